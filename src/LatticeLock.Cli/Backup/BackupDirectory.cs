using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace LatticeLock.Cli.Backup;

/// <summary>One base backup: its folder under <c>base/</c>, when it started and finished, its size and schema version.</summary>
public sealed record BaseBackup(string Id, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, long Bytes, long SchemaVersion, string Server)
{
    public string Folder(BackupDirectory root) => Path.Combine(root.BaseFolder, Id);
}

/// <summary>
/// The backup folder (<c>LatticeLock__Backup__Directory</c>, or <c>--dir</c>): <c>wal/</c> holds the archived WAL
/// segments (the server's <c>archive_command</c> writes them), <c>base/ID/</c> each base backup with
/// <c>base/ID.json</c> describing it. A cloud deployment points the archive at object storage instead
/// (docs/operations.md).
/// </summary>
public sealed class BackupDirectory(string root)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string Root { get; } = Path.GetFullPath(root);
    public string WalFolder => Path.Combine(Root, "wal");
    public string BaseFolder => Path.Combine(Root, "base");

    public static BackupDirectory From(IConfiguration configuration, string? option)
    {
        var root = option ?? configuration["LatticeLock:Backup:Directory"];
        if (string.IsNullOrWhiteSpace(root))
            throw new CliException("no backup folder: set LatticeLock__Backup__Directory (infrastructure/local/postgres.sh prints it) or pass --dir");
        var directory = new BackupDirectory(root);
        if (!Directory.Exists(directory.WalFolder))
            throw new CliException($"{directory.Root} has no wal/ folder: is this the folder the server archives to (LatticeLock__Backup__Directory)?");
        Directory.CreateDirectory(directory.BaseFolder);
        return directory;
    }

    /// <summary>Every base backup with its description, oldest first.</summary>
    public IReadOnlyList<BaseBackup> Backups() =>
        [.. Directory.GetFiles(BaseFolder, "*.json").Select(f => JsonSerializer.Deserialize<BaseBackup>(File.ReadAllText(f), Json)!)
            .Where(b => Directory.Exists(b.Folder(this))).OrderBy(b => b.FinishedAt)];

    public void Describe(BaseBackup backup) => File.WriteAllText(Path.Combine(BaseFolder, backup.Id + ".json"), JsonSerializer.Serialize(backup, Json));

    /// <summary>The archived WAL segments (names sort in WAL order within a timeline), and the newest one's time.</summary>
    public (int Segments, string? First, string? Last, DateTimeOffset? LastArchivedAt) Archive()
    {
        var segments = Directory.GetFiles(WalFolder).Select(Path.GetFileName).Where(n => n!.Length == 24 && n.All(char.IsAsciiHexDigit))
            .Order(StringComparer.Ordinal).ToList();
        DateTimeOffset? last = segments.Count == 0 ? null : File.GetLastWriteTimeUtc(Path.Combine(WalFolder, segments[^1]!));
        return (segments.Count, segments.FirstOrDefault(), segments.LastOrDefault(), last);
    }

    public static string NewId(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static long SizeOf(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
