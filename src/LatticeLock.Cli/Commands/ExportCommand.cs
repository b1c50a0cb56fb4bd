using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using LatticeLock.Cli.Export;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Export;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice export --workspace ID --from DAY --to DAY (--out DIR | --s3 BUCKET[/PREFIX] [--endpoint URL] [--region R])</c>:
/// a workspace's model requests, spans and daily cost aggregates as Parquet (<see cref="WorkspaceExporter"/>), with
/// progress and a closing table.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var workspace = new Option<Guid>("--workspace") { Description = "The workspace to export", Required = true };
        var from = CliOptions.Day("--from", "First day to export (included)");
        var to = CliOptions.Day("--to", "Last day to export (included)");
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write the files under this folder" };
        var s3 = new Option<string?>("--s3") { Description = "Upload the files to this bucket, under an optional prefix: BUCKET or BUCKET/PREFIX (credentials: the AWS SDK's usual sources, e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)" };
        var endpoint = new Option<string?>("--endpoint") { Description = "An S3-compatible endpoint (path-style requests), e.g. http://127.0.0.1:9000" };
        var region = new Option<string>("--region") { Description = "The bucket's region", DefaultValueFactory = _ => "us-east-1" };
        var command = new Command("export",
            $"Export a workspace's model_requests, spans and cost_aggregations as Parquet, one file per table per UTC day, with {WorkspaceExporter.SchemaFile} " +
            $"and {WorkspaceExporter.ManifestFile} (at most {ExportWindow.MaxDays} days at a time)")
            { workspace, from, to, output, s3, endpoint, region };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var window = new ExportWindow(parse.GetValue(workspace),
                parse.GetValue(from) ?? throw new CliException("--from is required"),
                parse.GetValue(to) ?? throw new CliException("--to is required"));
            try { window.Validated(); }
            catch (InvalidFieldException e) { throw new CliException($"--{e.Message}"); }
            var (folder, bucket) = (parse.GetValue(output), parse.GetValue(s3));
            if ((folder is null) == (bucket is null)) throw new CliException("name exactly one destination: --out DIR or --s3 BUCKET[/PREFIX]");

            Uri? endpointUri = null;
            if (parse.GetValue(endpoint) is { } given && !(Uri.TryCreate(given, UriKind.Absolute, out endpointUri) && endpointUri.Scheme is "http" or "https"))
                throw new CliException($"--endpoint must be an http or https URL, e.g. http://127.0.0.1:9000 (got '{given}')");
            using var client = bucket is null ? null : S3Client(endpointUri, parse.GetValue(region)!);
            IExportTarget target = bucket is null ? new DirectoryExportTarget(folder!.FullName) : S3Target(client!, bucket);
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var exporter = new WorkspaceExporter(dataSource);
            var clock = Stopwatch.StartNew();
            IReadOnlyList<ExportedFile> files = [];
            try
            {
                await AnsiConsole.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("exporting", maxValue: ExportTables.All.Count * window.Days);
                    var (lastTable, lastDay) = ("", default(DateOnly));
                    files = await exporter.ExportAsync(window, target, new SynchronousProgress<ExportProgress>(p =>
                    {
                        if (p.Table != lastTable || p.Day != lastDay)
                        {
                            task.Value = ExportTables.All.ToList().FindIndex(t => t.Name == p.Table) * window.Days + (p.Day.DayNumber - window.From.DayNumber);
                            (lastTable, lastDay) = (p.Table, p.Day);
                        }
                        task.Description = $"{p.Table} {p.Day:yyyy-MM-dd}: {p.Rows:N0} rows so far";
                    }), ct);
                    task.Value = task.MaxValue;
                });
            }
            catch (NotFoundException e) { throw new CliException(e.Message); }
            catch (AmazonServiceException e) { throw new CliException($"S3 refused the upload: {e.Message} ({e.ErrorCode}, HTTP {(int)e.StatusCode})"); }
            catch (AmazonClientException e) { throw new CliException($"could not reach S3: {e.Message}"); }

            var elapsed = clock.Elapsed;
            var table = new Table().AddColumns("Table", "Files", "Rows", "Bytes");
            var c = CultureInfo.InvariantCulture;
            foreach (var t in ExportTables.All)
            {
                var mine = files.Where(f => f.Table == t.Name).ToList();
                table.AddRow(t.Name, mine.Count.ToString(c), mine.Sum(f => f.Rows).ToString("N0", c), mine.Sum(f => f.Bytes).ToString("N0", c));
            }
            AnsiConsole.Write(table);
            var rows = files.Sum(f => f.Rows);
            AnsiConsole.MarkupLine(Markup.Escape(
                $"Exported {rows:N0} rows in {files.Count} files in {elapsed.TotalSeconds:0.0} s ({rows / Math.Max(elapsed.TotalSeconds, 0.001):N0} rows/s) to {target.Describe("")}"));
        }));
        return command;
    }

    private static AmazonS3Client S3Client(Uri? endpoint, string region)
    {
        var config = new AmazonS3Config { AuthenticationRegion = region };
        if (endpoint is null) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
        }
        try { return new AmazonS3Client(config); }
        catch (AmazonClientException e) { throw new CliException($"no S3 credentials: {e.Message}"); }
    }

    private static S3ExportTarget S3Target(IAmazonS3 client, string location)
    {
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? location : location[..slash];
        if (bucket.Length == 0) throw new CliException("--s3 must start with a bucket name: BUCKET or BUCKET/PREFIX");
        return new S3ExportTarget(client, bucket, slash < 0 ? "" : location[(slash + 1)..].Trim('/'));
    }
}
