using Google.Protobuf;
using Grpc.Core;
using LatticeLock.Metrics.Bigtable.V2;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Reads rows with ReadRows and assembles them from the streamed cell chunks: a chunk without row key, family or
/// qualifier continues the previous one; a value may be split over chunks (<c>value_size</c> set on all but the last);
/// <c>reset_row</c> drops the row read so far; <c>commit_row</c> completes it.
/// </summary>
public sealed class BigtableRowReader(V2.Bigtable.BigtableClient client, BigtableOptions options, IBigtableAccessTokenSource tokens)
{
    /// <summary>The rows of <paramref name="rows"/> (all rows when null), in key order.</summary>
    public async Task<IReadOnlyList<BigtableRow>> ReadRowsAsync(RowSet? rows, long rowsLimit, CancellationToken cancellationToken)
    {
        var request = new ReadRowsRequest { TableName = options.TableName, AppProfileId = options.AppProfileId ?? "", RowsLimit = rowsLimit };
        if (rows is not null) request.Rows = rows;
        using var call = client.ReadRows(request, await BigtableCallHeaders.ForTableAsync(options, tokens, cancellationToken),
            DateTime.UtcNow + options.CallTimeout, cancellationToken);
        var assembler = new RowAssembler();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            foreach (var chunk in response.Chunks) assembler.Add(chunk);
        return assembler.Finish();
    }

    /// <summary>The points of one provider and model with <paramref name="from"/> ≤ time ≤ <paramref name="to"/>, newest first.</summary>
    public Task<IReadOnlyList<BigtableRow>> ReadSeriesAsync(string provider, string modelId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (start, end) = BigtableRowKey.SeriesTimeRange(provider, modelId, from, to);
        var set = new RowSet();
        set.RowRanges.Add(new RowRange { StartKeyClosed = ByteString.CopyFromUtf8(start), EndKeyOpen = ByteString.CopyFromUtf8(end) });
        return ReadRowsAsync(set, 0, cancellationToken);
    }

    private sealed class RowAssembler
    {
        private readonly List<BigtableRow> _rows = [];
        private readonly List<BigtableCell> _cells = [];
        private readonly MemoryStream _value = new();
        private string? _key;
        private string? _family;
        private string? _qualifier;
        private long _timestamp;
        private bool _inCell;

        public void Add(ReadRowsResponse.Types.CellChunk chunk)
        {
            if (chunk.RowStatusCase == ReadRowsResponse.Types.CellChunk.RowStatusOneofCase.ResetRow)
            {
                ResetRow();
                return;
            }
            if (!chunk.RowKey.IsEmpty)
            {
                var key = chunk.RowKey.ToStringUtf8();
                if (_key is not null && _key != key) throw new InvalidDataException($"ReadRows started row {key} before row {_key} was committed");
                _key = key;
            }
            if (_key is null) throw new InvalidDataException("ReadRows sent a cell chunk before any row key");
            if (chunk.FamilyName is not null) _family = chunk.FamilyName;
            if (chunk.Qualifier is not null) _qualifier = chunk.Qualifier.ToStringUtf8();
            if (!_inCell)
            {
                _timestamp = chunk.TimestampMicros;
                _value.SetLength(0);
            }
            chunk.Value.WriteTo(_value);
            _inCell = chunk.ValueSize > 0;
            if (!_inCell && _family is not null && _qualifier is not null)
                _cells.Add(new BigtableCell(_family, _qualifier, _timestamp, _value.ToArray()));
            if (chunk.RowStatusCase == ReadRowsResponse.Types.CellChunk.RowStatusOneofCase.CommitRow)
            {
                _rows.Add(new BigtableRow(_key, _cells.ToList()));
                ResetRow();
            }
        }

        public IReadOnlyList<BigtableRow> Finish()
        {
            if (_key is not null) throw new InvalidDataException($"ReadRows ended inside row {_key}");
            return _rows;
        }

        private void ResetRow()
        {
            _cells.Clear();
            _key = _family = _qualifier = null;
            _inCell = false;
            _value.SetLength(0);
        }
    }
}
