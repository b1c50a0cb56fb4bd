namespace LatticeLock.Storage.Export;

/// <summary>
/// Files under a local folder: each written to a hidden temporary name beside it (which Hive, Spark and Athena skip),
/// flushed to disk, and renamed into place when complete.
/// </summary>
public sealed class DirectoryExportTarget(string root) : IExportTarget
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Describe(string path) => Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar));

    public async Task<long> StoreAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var final = Describe(path);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        var partial = Path.Combine(Path.GetDirectoryName(final)!, "." + Path.GetFileName(final) + ".partial");
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, final, overwrite: true);
            return new FileInfo(final).Length;
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    public Task RemoveAsync(string path, CancellationToken cancellationToken)
    {
        var file = Describe(path);
        if (File.Exists(file)) File.Delete(file);
        return Task.CompletedTask;
    }
}
