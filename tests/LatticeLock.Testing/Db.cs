using Npgsql;

namespace LatticeLock.Testing;

/// <summary>Direct reads of what PostgreSQL holds, so tests assert on stored rows rather than on what grains say.</summary>
public sealed class Db(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var arg in args) command.Parameters.AddWithValue(arg);
        var value = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    public async Task<List<object?[]>> RowsAsync(string sql, params object[] args)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var arg in args) command.Parameters.AddWithValue(arg);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Runs statements that return no rows (test set-up); returns the rows affected.</summary>
    public async Task<int> ExecuteAsync(string sql, params object[] args)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var arg in args) command.Parameters.AddWithValue(arg);
        return await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
