using System.Reflection;
using System.Text.RegularExpressions;

namespace LatticeLock.Storage.Migrations;

/// <summary>The migrations shipped in this assembly: <c>Sql/NNNN_name.up.sql</c> with its <c>.down.sql</c>.</summary>
public static partial class MigrationCatalog
{
    private static readonly Lazy<IReadOnlyList<Migration>> Loaded = new(Load);

    public static IReadOnlyList<Migration> All => Loaded.Value;

    public static int Head => All[^1].Version;

    [GeneratedRegex(@"^migrations/(\d{4})_([a-z0-9_]+)\.up\.sql$")]
    private static partial Regex UpResource();

    private static IReadOnlyList<Migration> Load()
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = UpResource().Match(resource);
            if (!match.Success) continue;
            var downResource = resource.Replace(".up.sql", ".down.sql", StringComparison.Ordinal);
            migrations.Add(new Migration(
                int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups[2].Value,
                Read(assembly, resource),
                Read(assembly, downResource)));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"Migration versions must be 1..N without gaps; found {migrations[i].Version} at position {i + 1}");
        }
        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Migration resource {resource} is missing (every .up.sql needs a .down.sql)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
