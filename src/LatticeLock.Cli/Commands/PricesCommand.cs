using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Storage.Prices;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice prices set | list | import FILE.csv</c> (USD per million tokens; history is kept).</summary>
public static class PricesCommand
{
    public const string CsvHeader = "provider,model,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,effective_from";

    public static Command Create()
    {
        var prices = new Command("prices", "Manage the model price table (talks to PostgreSQL directly)");

        var provider = new Option<string>("--provider") { Required = true };
        var model = new Option<string>("--model") { Required = true };
        var input = new Option<decimal>("--input") { Description = "USD per million input tokens", Required = true };
        var output = new Option<decimal>("--output") { Description = "USD per million output tokens", Required = true };
        var cached = new Option<decimal?>("--cached-input") { Description = "USD per million cached input tokens" };
        var from = CliOptions.Timestamp("--effective-from", "When the price starts (default: now)");
        var set = new Command("set", "Set a price from a date on (earlier prices stay for earlier requests)") { provider, model, input, output, cached, from };
        set.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var price = Checked(() => new ModelPrice(parse.GetValue(provider)!, parse.GetValue(model)!, parse.GetValue(input), parse.GetValue(output),
                parse.GetValue(cached), parse.GetValue(from) ?? DateTimeOffset.UtcNow).Validated());
            var created = await new PriceRepository(dataSource).SetAsync(price, ct);
            AnsiConsole.MarkupLine($"{(created ? "Added" : "Replaced")} price for {Markup.Escape(price.Provider)}/{Markup.Escape(price.Model)} from {price.EffectiveFrom:u}");
        }));

        var listProvider = new Option<string?>("--provider");
        var listModel = new Option<string?>("--model");
        var list = new Command("list", "List prices with their history") { listProvider, listModel };
        list.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var table = new Table().AddColumns("Provider", "Model", "Input $/Mtok", "Output $/Mtok", "Cached input $/Mtok", "Effective from");
            var c = CultureInfo.InvariantCulture;
            foreach (var p in await new PriceRepository(dataSource).ListAsync(parse.GetValue(listProvider), parse.GetValue(listModel), ct))
            {
                table.AddRow(Markup.Escape(p.Provider), Markup.Escape(p.Model), p.InputUsdPerMtok.ToString(c), p.OutputUsdPerMtok.ToString(c),
                    p.CachedInputUsdPerMtok?.ToString(c) ?? "", p.EffectiveFrom.ToString("u", c));
            }
            AnsiConsole.Write(table);
        }));

        var file = new Argument<FileInfo>("file") { Description = $"CSV with the header: {CsvHeader}" };
        var import = new Command("import", "Import prices from a CSV file; every line is checked first, so a bad file writes nothing") { file };
        import.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new CliException($"{path.FullName} does not exist");
            var lines = await File.ReadAllLinesAsync(path.FullName, ct);
            if (lines.Length == 0 || lines[0].Trim() != CsvHeader) throw new CliException($"line 1: the header must be exactly: {CsvHeader}");
            var parsed = new List<ModelPrice>();
            for (var i = 1; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i])) continue;
                var f = lines[i].Split(',');
                if (f.Length != 6) throw new CliException($"line {i + 1}: expected 6 fields, got {f.Length}");
                parsed.Add(Checked(() => new ModelPrice(f[0].Trim(), f[1].Trim(), Decimal(f[2], i, "input_usd_per_mtok"), Decimal(f[3], i, "output_usd_per_mtok"),
                    f[4].Trim().Length == 0 ? null : Decimal(f[4], i, "cached_input_usd_per_mtok"),
                    DateTimeOffset.TryParse(f[5].Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
                        : throw new CliException($"line {i + 1}: effective_from is not a timestamp")).Validated(), i + 1));
            }
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var repository = new PriceRepository(dataSource);
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask("importing prices", maxValue: parsed.Count);
                foreach (var price in parsed)
                {
                    await repository.SetAsync(price, ct);
                    task.Increment(1);
                }
            });
            AnsiConsole.MarkupLine($"Imported {parsed.Count} price(s)");
        }));

        prices.Subcommands.Add(set);
        prices.Subcommands.Add(list);
        prices.Subcommands.Add(import);
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
