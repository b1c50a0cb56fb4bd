namespace LatticeLock.Storage.Export;

/// <summary>One file an export wrote: its table and day, where it went, its rows and bytes.</summary>
public sealed record ExportedFile(string Table, DateOnly Day, string Path, string Location, long Rows, long Bytes);
