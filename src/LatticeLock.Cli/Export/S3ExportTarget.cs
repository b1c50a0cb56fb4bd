using Amazon.S3;
using Amazon.S3.Transfer;
using LatticeLock.Storage.Export;

namespace LatticeLock.Cli.Export;

/// <summary>
/// Export files in an S3 bucket (AWS or any S3-compatible store) under a prefix. Each file is written to a temporary
/// local file first and then uploaded (in parts when large); an object appears only once its upload has completed.
/// </summary>
public sealed class S3ExportTarget(IAmazonS3 s3, string bucket, string prefix) : IExportTarget
{
    public string Describe(string path) => $"s3://{bucket}/{Key(path)}";

    public async Task<long> StoreAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temporary = Path.Combine(Path.GetTempPath(), $"lattice-export-{Guid.NewGuid():N}.part");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await write(file);
            var length = new FileInfo(temporary).Length;
            using var transfer = new TransferUtility(s3);
            await transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = bucket, Key = Key(path), FilePath = temporary }, cancellationToken);
            return length;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async Task RemoveAsync(string path, CancellationToken cancellationToken) =>
        await s3.DeleteObjectAsync(bucket, Key(path), cancellationToken); // S3 answers a missing key with success too

    private string Key(string path) => prefix.Length == 0 ? path : $"{prefix}/{path}";
}
