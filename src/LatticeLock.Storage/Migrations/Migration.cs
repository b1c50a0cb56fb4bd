namespace LatticeLock.Storage.Migrations;

/// <summary>One schema step: SQL to apply it and SQL that exactly undoes it.</summary>
public sealed record Migration(int Version, string Name, string UpSql, string DownSql);
