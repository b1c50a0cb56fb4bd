namespace LatticeLock.Storage.Export;

/// <summary>How far an export is: the table and day it is writing, and the rows written so far in all.</summary>
public sealed record ExportProgress(string Table, DateOnly Day, long Rows);
