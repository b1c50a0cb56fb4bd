namespace LatticeLock.Storage;

/// <summary>An SQL identifier taken from the catalogue (a partition's or table's name), quoted; never a caller's text.</summary>
public static class SqlIdentifier
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
