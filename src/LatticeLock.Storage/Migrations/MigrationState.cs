namespace LatticeLock.Storage.Migrations;

/// <summary>A migration and whether (and when) it is applied to the database.</summary>
public sealed record MigrationState(int Version, string Name, DateTimeOffset? AppliedAt)
{
    public bool IsApplied => AppliedAt is not null;
}

/// <summary>Reported before each step of a run.</summary>
public sealed record MigrationProgress(int Step, int TotalSteps, Migration Migration, MigrationDirection Direction);

public enum MigrationDirection { Up, Down }
