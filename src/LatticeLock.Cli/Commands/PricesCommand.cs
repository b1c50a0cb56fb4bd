using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Storage.Prices;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice prices set | list | remove | import FILE.csv | reprice | runs</c> (USD per million tokens; history is kept);
/// <c>--workspace ID</c> on set, list and remove acts on that workspace's overrides instead of the platform's prices.
/// </summary>
public static class PricesCommand
{
    public const string CsvHeader = "provider,model,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,effective_from";

    /// <summary>
    /// The full header: every price field, then where the figures came from (<c>source</c>, kept in the file for
    /// whoever checks it, not stored). Empty optional fields mean "none" (the class defaults to input or output).
    /// </summary>
    public const string FullCsvHeader = CsvHeader + ",cache_write_input_usd_per_mtok,reasoning_output_usd_per_mtok,long_context_threshold_tokens," +
        "long_context_input_usd_per_mtok,long_context_output_usd_per_mtok,batch_multiplier,flex_multiplier,priority_multiplier," +
        "cache_write_1h_input_usd_per_mtok,source";

    public static Command Create()
    {
        var prices = new Command("prices", "Manage the model price table (talks to PostgreSQL directly)");

        var provider = new Option<string>("--provider") { Required = true };
        var model = new Option<string>("--model") { Required = true };
        var input = new Option<decimal>("--input") { Description = "USD per million input tokens", Required = true };
        var output = new Option<decimal>("--output") { Description = "USD per million output tokens", Required = true };
        var cached = new Option<decimal?>("--cached-input") { Description = "USD per million cached input tokens (cache reads; default: the input price)" };
        var cacheWrite = new Option<decimal?>("--cache-write-input") { Description = "USD per million cache-write input tokens (default: the input price)" };
        var cacheWrite1h = new Option<decimal?>("--cache-write-1h-input") { Description = "USD per million tokens written to a one-hour cache (default: the cache-write price)" };
        var reasoning = new Option<decimal?>("--reasoning-output") { Description = "USD per million reasoning output tokens (default: the output price)" };
        var longThreshold = new Option<int?>("--long-context-threshold") { Description = "Input tokens above which the long-context prices apply" };
        var longInput = new Option<decimal?>("--long-context-input") { Description = "USD per million input tokens above the threshold" };
        var longOutput = new Option<decimal?>("--long-context-output") { Description = "USD per million output tokens above the threshold" };
        var batch = new Option<decimal?>("--batch-multiplier") { Description = "Price multiplier for service_tier batch (e.g. 0.5)" };
        var flex = new Option<decimal?>("--flex-multiplier") { Description = "Price multiplier for service_tier flex" };
        var priority = new Option<decimal?>("--priority-multiplier") { Description = "Price multiplier for service_tier priority" };
        var from = CliOptions.Timestamp("--effective-from", "When the price starts (default: now)");
        var workspace = new Option<Guid?>("--workspace") { Description = "Set the workspace's override instead of the platform's price" };
        var set = new Command("set", "Set a price from a date on (earlier prices stay for earlier requests)")
            { provider, model, input, output, cached, cacheWrite, cacheWrite1h, reasoning, longThreshold, longInput, longOutput, batch, flex, priority, from, workspace };
        set.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var price = Checked(() => new ModelPrice(parse.GetValue(provider)!, parse.GetValue(model)!, parse.GetValue(input), parse.GetValue(output),
                parse.GetValue(cached), parse.GetValue(from) ?? DateTimeOffset.UtcNow)
            {
                CacheWriteInputUsdPerMtok = parse.GetValue(cacheWrite),
                CacheWrite1hInputUsdPerMtok = parse.GetValue(cacheWrite1h),
                ReasoningOutputUsdPerMtok = parse.GetValue(reasoning),
                LongContextThresholdTokens = parse.GetValue(longThreshold),
                LongContextInputUsdPerMtok = parse.GetValue(longInput),
                LongContextOutputUsdPerMtok = parse.GetValue(longOutput),
                BatchMultiplier = parse.GetValue(batch),
                FlexMultiplier = parse.GetValue(flex),
                PriorityMultiplier = parse.GetValue(priority),
                WorkspaceId = parse.GetValue(workspace),
            }.Validated());
            var (_, created) = await new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System)).SetAsync(price, null, ct);
            AnsiConsole.MarkupLine($"{(created ? "Added" : "Replaced")} {(price.WorkspaceId is { } w ? $"workspace {w}'s override" : "price")} for " +
                $"{Markup.Escape(price.Provider)}/{Markup.Escape(price.Model)} from {price.EffectiveFrom:u}");
        }));

        var listProvider = new Option<string?>("--provider");
        var listModel = new Option<string?>("--model");
        var listWorkspace = new Option<Guid?>("--workspace") { Description = "List the workspace's overrides instead of the platform's prices" };
        var list = new Command("list", "List prices with their history") { listProvider, listModel, listWorkspace };
        list.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var table = new Table().AddColumns("Id", "Provider", "Model", "Input $/Mtok", "Cached", "Cache write", "Output $/Mtok", "Reasoning",
                "Long context (> tokens: in / out)", "Batch / flex / priority", "Effective from");
            var c = CultureInfo.InvariantCulture;
            foreach (var p in await new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System)).ListAsync(parse.GetValue(listProvider), parse.GetValue(listModel), parse.GetValue(listWorkspace), ct))
            {
                table.AddRow(p.Id.ToString(c), Markup.Escape(p.Provider), Markup.Escape(p.Model), p.InputUsdPerMtok.ToString(c),
                    p.CachedInputUsdPerMtok?.ToString(c) ?? "", p.CacheWriteInputUsdPerMtok?.ToString(c) ?? "", p.OutputUsdPerMtok.ToString(c),
                    p.ReasoningOutputUsdPerMtok?.ToString(c) ?? "",
                    p.LongContextThresholdTokens is { } t ? $"> {t.ToString(c)}: {p.LongContextInputUsdPerMtok?.ToString(c)} / {p.LongContextOutputUsdPerMtok?.ToString(c)}" : "",
                    p.BatchMultiplier is null && p.FlexMultiplier is null && p.PriorityMultiplier is null ? ""
                        : $"{p.BatchMultiplier?.ToString(c) ?? "1"} / {p.FlexMultiplier?.ToString(c) ?? "1"} / {p.PriorityMultiplier?.ToString(c) ?? "1"}",
                    p.EffectiveFrom.ToString("u", c));
            }
            AnsiConsole.Write(table);
        }));

        var removeWorkspace = new Option<Guid>("--workspace") { Description = "The workspace whose override to remove", Required = true };
        var removeProvider = new Option<string>("--provider") { Required = true };
        var removeModel = new Option<string>("--model") { Required = true };
        var remove = new Command("remove", "Remove a workspace's override of a model (its requests are priced from the platform's prices again)")
            { removeWorkspace, removeProvider, removeModel };
        remove.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var (workspaceId, providerName, modelName) = (parse.GetValue(removeWorkspace), parse.GetValue(removeProvider)!, parse.GetValue(removeModel)!);
            var retired = await new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System))
                .RemoveOverrideAsync(workspaceId, providerName, modelName, null, ct);
            if (retired == 0) throw new CliException($"workspace {workspaceId} has no override of {providerName}/{modelName}");
            AnsiConsole.MarkupLine($"Removed {retired} override row(s) of {Markup.Escape(providerName)}/{Markup.Escape(modelName)} in workspace {workspaceId}");
        }));

        var file = new Argument<FileInfo>("file") { Description = $"CSV with the header {CsvHeader}, or the full one: {FullCsvHeader}" };
        var import = new Command("import", "Import prices from a CSV file; every line is checked first, so a bad file writes nothing") { file };
        import.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new CliException($"{path.FullName} does not exist");
            var lines = await File.ReadAllLinesAsync(path.FullName, ct);
            var full = lines.Length > 0 && lines[0].Trim() == FullCsvHeader;
            if (lines.Length == 0 || !(full || lines[0].Trim() == CsvHeader))
                throw new CliException($"line 1: the header must be exactly: {CsvHeader} (or the full one: {FullCsvHeader})");
            var fields = full ? FullCsvHeader.Split(',').Length : CsvHeader.Split(',').Length;
            var parsed = new List<ModelPrice>();
            for (var i = 1; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i])) continue;
                var f = lines[i].Split(',');
                if (f.Length != fields) throw new CliException($"line {i + 1}: expected {fields} fields, got {f.Length}");
                decimal? Optional(int index, string field) => f[index].Trim().Length == 0 ? null : Decimal(f[index], i, field);
                parsed.Add(Checked(() => new ModelPrice(f[0].Trim(), f[1].Trim(), Decimal(f[2], i, "input_usd_per_mtok"), Decimal(f[3], i, "output_usd_per_mtok"),
                    Optional(4, "cached_input_usd_per_mtok"),
                    DateTimeOffset.TryParse(f[5].Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
                        : throw new CliException($"line {i + 1}: effective_from is not a timestamp"))
                {
                    CacheWriteInputUsdPerMtok = full ? Optional(6, "cache_write_input_usd_per_mtok") : null,
                    ReasoningOutputUsdPerMtok = full ? Optional(7, "reasoning_output_usd_per_mtok") : null,
                    LongContextThresholdTokens = full && f[8].Trim().Length > 0
                        ? int.TryParse(f[8].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var threshold) ? threshold
                            : throw new CliException($"line {i + 1}: long_context_threshold_tokens is not a whole number")
                        : null,
                    LongContextInputUsdPerMtok = full ? Optional(9, "long_context_input_usd_per_mtok") : null,
                    LongContextOutputUsdPerMtok = full ? Optional(10, "long_context_output_usd_per_mtok") : null,
                    BatchMultiplier = full ? Optional(11, "batch_multiplier") : null,
                    FlexMultiplier = full ? Optional(12, "flex_multiplier") : null,
                    PriorityMultiplier = full ? Optional(13, "priority_multiplier") : null,
                    CacheWrite1hInputUsdPerMtok = full ? Optional(14, "cache_write_1h_input_usd_per_mtok") : null,
                }.Validated(), i + 1));
            }
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var repository = new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System));
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask("importing prices", maxValue: parsed.Count);
                foreach (var price in parsed)
                {
                    await repository.SetAsync(price, null, ct);
                    task.Increment(1);
                }
            });
            AnsiConsole.MarkupLine($"Imported {parsed.Count} price(s)");
        }));

        prices.Subcommands.Add(set);
        prices.Subcommands.Add(list);
        prices.Subcommands.Add(remove);
        prices.Subcommands.Add(import);
        prices.Subcommands.Add(RepriceCommands.Reprice());
        prices.Subcommands.Add(RepriceCommands.Runs());
        return prices;
    }

    private static decimal Decimal(string text, int index, string field) =>
        decimal.TryParse(text.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value
            : throw new CliException($"line {index + 1}: {field} is not a number");

    private static ModelPrice Checked(Func<ModelPrice> build, int? line = null)
    {
        try { return build(); }
        catch (InvalidFieldException e) { throw new CliException(line is null ? e.Message : $"line {line}: {e.Message}"); }
    }
}
