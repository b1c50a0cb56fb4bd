using System.Globalization;
using Npgsql;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// One partition of a monthly-partitioned table as <c>ensure_monthly_partition</c> names it: <c>PARENT_YYYY_MM</c>
/// holds [<see cref="From"/>, <see cref="To"/>); any other partition (the default one) has no bounds and is never dropped.
/// </summary>
public sealed record TablePartition(string Name, DateTimeOffset? From, DateTimeOffset? To)
{
    public bool IsMonth => From is not null;

    /// <summary>The name quoted as an SQL identifier (names come from the catalogue, never from a caller).</summary>
    public string Quoted => SqlIdentifier.Quote(Name);

    /// <summary>The partitions of <paramref name="table"/>, oldest month first, the others last.</summary>
    public static async Task<IReadOnlyList<TablePartition>> ListAsync(NpgsqlDataSource dataSource, PartitionedTable table, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = $1::regclass ORDER BY c.relname
            """);
        command.Parameters.AddWithValue(table.Name);
        var partitions = new List<TablePartition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) partitions.Add(Parse(table, reader.GetString(0)));
        return [.. partitions.OrderBy(p => p.IsMonth ? 0 : 1).ThenBy(p => p.From).ThenBy(p => p.Name, StringComparer.Ordinal)];
    }

    private static TablePartition Parse(PartitionedTable table, string name)
    {
        var prefix = table.Name + "_";
        if (name.Length == prefix.Length + 7 && name.StartsWith(prefix, StringComparison.Ordinal)
            && DateTime.TryParseExact(name[prefix.Length..], "yyyy_MM", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var month))
        {
            var from = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
            return new TablePartition(name, from, from.AddMonths(1));
        }
        return new TablePartition(name, null, null);
    }
}
