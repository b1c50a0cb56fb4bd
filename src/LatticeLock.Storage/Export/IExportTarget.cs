namespace LatticeLock.Storage.Export;

/// <summary>Where an export's files go: a folder, or an S3-compatible bucket. Paths are relative, with '/' between parts.</summary>
public interface IExportTarget
{
    /// <summary>Describes where <paramref name="path"/> ends up (a file path or an s3:// URL), for the report.</summary>
    string Describe(string path);

    /// <summary>
    /// Stores what <paramref name="write"/> writes as <paramref name="path"/>; nothing is visible there until it has all
    /// been written (a crash leaves no half file under the final name). Returns the bytes stored.
    /// </summary>
    Task<long> StoreAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="path"/> if an earlier export left it there (a day that has no rows now); nothing when there is none.</summary>
    Task RemoveAsync(string path, CancellationToken cancellationToken);
}
