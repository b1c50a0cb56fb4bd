using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Storage.Export;

/// <summary>What one export covers: a workspace's rows of the UTC days <see cref="From"/> to <see cref="To"/>, both included; at most <see cref="MaxDays"/> days.</summary>
public sealed record ExportWindow(Guid WorkspaceId, DateOnly From, DateOnly To)
{
    public const int MaxDays = 366;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>Checks the window; throws InvalidFieldException naming the field at fault.</summary>
    public ExportWindow Validated()
    {
        Require.Id(WorkspaceId, "workspace");
        if (To < From) throw new InvalidFieldException("to", $"must not be before from ({From:yyyy-MM-dd})");
        if (Days > MaxDays) throw new InvalidFieldException("from", $"an export covers at most {MaxDays} days (this one {Days}); export in parts");
        return this;
    }
}
