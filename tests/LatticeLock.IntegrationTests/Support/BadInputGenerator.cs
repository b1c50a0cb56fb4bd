using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// One generated call: where it goes, its body bytes (null: none) and what was done to the valid call.
/// <see cref="CertainlyInvalid"/>: no server may accept it (a malformed route id, a body that is not a JSON object);
/// a 2xx for it is a failure. Field mutations may or may not leave a valid call, so they only must not be a 5xx.
/// </summary>
internal sealed record GeneratedCall(string Path, byte[]? Body, string ContentType, string Mutation, bool CertainlyInvalid = false);

/// <summary>
/// Derives broken calls from a valid one, deterministically from the <see cref="Random"/> it is given: one to three
/// mutations of the body's fields, or a wholly broken body, or a broken query value or route id.
/// </summary>
internal static class BadInputGenerator
{
    // Raw JSON values, written into the body text as they are (numbers JSON allows but .NET types cannot hold, too).
    private static readonly string[] RawValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "-0", "\"\"", "\" \"", "[]", "{}", "[1,2,3]", "{\"a\":{\"b\":[null]}}",
        "2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1e308", "-1e308", "1e400", "1E-400", "123456789012345678901234567890.123456789", "0.000000000000000000000000000001",
        "79228162514264337593543950336", "-79228162514264337593543950336", "99999999999999999999", "1e9", "4294967296",
        "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.9999999Z\"", "\"0000-00-00\"", "\"2026-02-30T10:00:00Z\"", "\"2026-13-01\"",
        "\"-000001-01-01T00:00:00Z\"", "\"2026-11-01T25:61:61Z\"", "\"1969-12-31T23:59:59Z\"", "\"10000-01-01T00:00:00Z\"", "\"yesterday\"",
        "\"00000000-0000-0000-0000-000000000000\"", "\"not-a-uuid\"", "\"{00000000-0000-0000-0000-00000000000G}\"",
        "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\u202e\\u0007\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        "\"user\"", "\"USER\"", "\"unknown_enum_value\"", "\"1\"", "\"-1\"", "\"1e400\"", "\"http://127.0.0.1:9200/\"", "\"ftp://x\"",
    ];

    private static readonly string[] QueryValues =
    [
        "", "-1", "0", "1", "2147483648", "9223372036854775808", "-9223372036854775809", "1e309", "abc", "0001-01-01", "9999-12-31",
        "0000-00-00", "-infinity", "infinity", "2026-13-45", "2026-02-30", "10000-01-01", "%00", "%FF%FE", "%C3%28", "%E2%80%AE",
        "00000000-0000-0000-0000-000000000000", "not-a-guid", "null", "[]", "1,2", "model,provider", "%20", "1.5", "0x10",
    ];

    public static GeneratedCall Generate(RouteCase route, IReadOnlyDictionary<string, string> ids, Random random)
    {
        var path = route.Path;
        var mutation = "body fields";
        var choice = random.Next(10);
        var invalidId = false;
        if (choice == 0)
        {
            // A route id out of range: not a UUID, the nil UUID, very long, escaped bytes.
            var placeholder = ids.Keys.FirstOrDefault(path.Contains);
            var bad = Pick(random, ["not-a-guid", "00000000-0000-0000-0000-000000000000", new string('f', 5000), "%00", "%FF", "..%2F..", Guid.NewGuid().ToString()]);
            if (placeholder is not null) path = path.Replace(placeholder, bad, StringComparison.Ordinal);
            invalidId = placeholder is not null && (!Guid.TryParse(bad, out _) || bad == Guid.Empty.ToString());
            mutation = $"route id = {Short(bad)}";
        }
        foreach (var (placeholder, id) in ids) path = path.Replace(placeholder, id, StringComparison.Ordinal);
        if (choice is 1 or 2 && path.Contains('?'))
        {
            // Query values out of range, repeated, or invented.
            var (basePath, query) = (path[..path.IndexOf('?')], path[(path.IndexOf('?') + 1)..]);
            var pairs = query.Split('&').Select(p => p.Split('=', 2)).ToList();
            var changes = random.Next(1, 4);
            var done = new List<string>();
            for (var i = 0; i < changes; i++)
            {
                var index = random.Next(pairs.Count);
                var value = random.Next(8) == 0 ? new string('9', random.Next(30, 3000)) : Pick(random, QueryValues);
                if (random.Next(6) == 0) pairs.Add([pairs[index][0], value]); // a repeated parameter
                else pairs[index] = [pairs[index][0], value];
                done.Add($"{pairs[index][0]}={Short(value)}");
            }
            if (random.Next(5) == 0) pairs.Add(["unexpected_" + random.Next(100), "1"]);
            path = basePath + "?" + string.Join('&', pairs.Select(p => string.Join('=', p)));
            mutation = "query " + string.Join(", ", done);
        }
        if (route.Body is null) return new GeneratedCall(path, random.Next(4) == 0 ? WholeBody(random, out var m) : null, "application/json", choice is 0 or 1 or 2 ? mutation : "no body expected; sent garbage", invalidId);

        if (choice is 3 or 4)
        {
            var body = WholeBody(random, out var what);
            var contentType = random.Next(5) == 0 ? "application/x-protobuf" : "application/json";
            // Not a JSON object is invalid everywhere, except an empty body (optional on some routes) and random bytes
            // sent to the OTLP receiver as protobuf (which can decode as an empty export).
            var invalid = what != "empty body" && !(contentType == "application/x-protobuf" && route.Path.StartsWith("/otlp", StringComparison.Ordinal));
            return new GeneratedCall(path, body, contentType, what, invalid || invalidId);
        }
        if (choice is 0 or 1 or 2 && mutation != "body fields") return new GeneratedCall(path, Encoding.UTF8.GetBytes(route.Body), "application/json", mutation, invalidId);

        // One to three field mutations of the valid body.
        var node = JsonNode.Parse(route.Body)!;
        var raws = new Dictionary<string, string>();
        var applied = new List<string>();
        for (var i = random.Next(1, 4); i > 0; i--) applied.Add(MutateField(node, random, raws));
        var text = node.ToJsonString();
        foreach (var (marker, raw) in raws) text = text.Replace($"\"{marker}\"", raw, StringComparison.Ordinal);
        return new GeneratedCall(path, Encoding.UTF8.GetBytes(text), "application/json", string.Join("; ", applied));
    }

    /// <summary>A whole body that is broken: not JSON, not UTF-8, truncated, the wrong root, or nested thousands deep.</summary>
    private static byte[] WholeBody(Random random, out string what)
    {
        switch (random.Next(9))
        {
            case 0: what = "empty body"; return [];
            case 1: what = "not JSON"; return Encoding.UTF8.GetBytes("this is not json");
            case 2: what = "invalid UTF-8"; return [(byte)'{', (byte)'"', (byte)'a', 0xC3, 0x28, 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
            case 3: what = "truncated"; return Encoding.UTF8.GetBytes("{\"name\":\"x\",\"scopes\":[");
            case 4:
            {
                var depth = random.Next(64, 20_000);
                what = $"nested {depth} deep";
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            }
            case 5:
            {
                var depth = random.Next(64, 5_000);
                what = $"objects nested {depth} deep";
                var sb = new StringBuilder();
                for (var i = 0; i < depth; i++) sb.Append("{\"a\":");
                sb.Append('1').Append('}', depth);
                return Encoding.UTF8.GetBytes(sb.ToString());
            }
            case 6: what = "a JSON array root"; return Encoding.UTF8.GetBytes("[{\"name\":\"x\"}]");
            case 7: what = "a JSON string root"; return Encoding.UTF8.GetBytes("\"x\"");
            default:
            {
                what = "random bytes";
                var bytes = new byte[random.Next(1, 4096)];
                random.NextBytes(bytes);
                return bytes;
            }
        }
    }

    private static string MutateField(JsonNode root, Random random, Dictionary<string, string> raws)
    {
        var objects = new List<JsonObject>();
        Collect(root, objects);
        if (objects.Count == 0) return "no object to mutate";
        var target = objects[random.Next(objects.Count)];
        var names = target.Select(p => p.Key).ToList();
        var action = names.Count == 0 ? 2 : random.Next(10);
        if (action == 0)
        {
            var name = names[random.Next(names.Count)];
            target.Remove(name);
            return $"dropped {name}";
        }
        if (action == 1)
        {
            var name = "unexpected_" + random.Next(1000);
            target[name] = "x";
            return $"added {name}";
        }
        var field = names.Count == 0 ? "unexpected" : names[random.Next(names.Count)];
        string raw;
        switch (random.Next(8))
        {
            case 0:
                raw = "\"" + new string((char)('a' + random.Next(26)), random.Next(256, 300_000)) + "\"";
                break;
            case 1:
            {
                var depth = random.Next(32, 3000);
                raw = new string('[', depth) + new string(']', depth);
                break;
            }
            case 2:
                raw = random.Next(-1_000_000_000, 1_000_000_000).ToString(CultureInfo.InvariantCulture) + (random.Next(2) == 0 ? "" : ".123456789123456789");
                break;
            default:
                raw = Pick(random, RawValues);
                break;
        }
        var marker = $"__raw_{raws.Count}_{random.Next()}__";
        raws[marker] = raw;
        target[field] = marker;
        return $"{field} = {Short(raw)}";
    }

    private static void Collect(JsonNode? node, List<JsonObject> objects)
    {
        switch (node)
        {
            case JsonObject o:
                objects.Add(o);
                foreach (var (_, child) in o) Collect(child, objects);
                break;
            case JsonArray a:
                foreach (var child in a) Collect(child, objects);
                break;
        }
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static string Short(string s) => s.Length <= 40 ? s : s[..20] + $"…({s.Length})";
}
