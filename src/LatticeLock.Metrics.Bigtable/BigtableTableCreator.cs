using Grpc.Core;
using LatticeLock.Metrics.Bigtable.Admin.V2;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Creates the metric table (millisecond granularity, one column family keeping one version per cell) through the
/// admin API's CreateTable; an existing table is fine. For the emulator and local runs: in production the table is
/// created by deployment.
/// </summary>
public sealed class BigtableTableCreator(BigtableTableAdmin.BigtableTableAdminClient admin, BigtableOptions options, IBigtableAccessTokenSource tokens)
{
    /// <summary>True when the table was created, false when it already existed.</summary>
    public async Task<bool> EnsureTableAsync(CancellationToken cancellationToken)
    {
        var table = new Table { Granularity = Table.Types.TimestampGranularity.Millis };
        table.ColumnFamilies.Add(options.ColumnFamily, new ColumnFamily { GcRule = new GcRule { MaxNumVersions = 1 } });
        var request = new CreateTableRequest { Parent = options.InstanceName, TableId = options.TableId, Table = table };
        try
        {
            await admin.CreateTableAsync(request, await BigtableCallHeaders.ForInstanceAsync(options, tokens, cancellationToken),
                DateTime.UtcNow + options.CallTimeout, cancellationToken);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            return false;
        }
    }
}
