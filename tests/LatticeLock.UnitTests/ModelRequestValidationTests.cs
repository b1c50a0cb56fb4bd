using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.UnitTests;

public sealed class ModelRequestValidationTests
{
    public static ModelRequestRecord Valid() => new()
    {
        Id = Guid.NewGuid(),
        ModelId = "gpt-4o",
        Provider = "openai",
        RequestedAt = DateTimeOffset.UtcNow,
        InputTokens = 10,
        OutputTokens = 5,
        InputCostUsd = 0.0001m,
        OutputCostUsd = 0.0002m,
    };

    [Fact]
    public void Json_with_an_escaped_backslash_before_u0000_is_not_mistaken_for_nul() =>
        ModelRequestValidation.Validate(Valid() with { MetadataJson = "{\"path\":\"C:\\\\u0000\"}" });

    [Fact]
    public void A_complete_request_passes() => ModelRequestValidation.Validate(Valid() with
    {
        MetadataJson = """{"k":1}""",
        FunctionCallsJson = "[1,2]",
        Temperature = 0.7m,
        SelectionScore = 88.25m,
        RespondedAt = DateTimeOffset.UtcNow.AddSeconds(1),
    });

    public static TheoryData<string, Func<ModelRequestRecord, ModelRequestRecord>> BadRequests => new()
    {
        { "id", r => r with { Id = Guid.Empty } },
        { "chat_id", r => r with { ChatId = Guid.Empty } },
        { "model_id", r => r with { ModelId = "" } },
        { "model_id", r => r with { ModelId = "   " } },
        { "model_id", r => r with { ModelId = new string('m', 257) } },
        { "provider", r => r with { Provider = "" } },
        { "input_tokens", r => r with { InputTokens = -1 } },
        { "output_tokens", r => r with { OutputTokens = -5 } },
        { "input_cost_usd", r => r with { InputCostUsd = -0.01m } },
        { "output_cost_usd", r => r with { OutputCostUsd = -1m } },
        { "input_cost_usd", r => r with { InputCostUsd = 0.000000001m } },
        { "input_cost_usd", r => r with { InputCostUsd = 10000m } },
        { "latency_ms", r => r with { LatencyMs = -3 } },
        { "status", r => r with { Status = (ModelRequestStatus)42 } },
        { "requested_at", r => r with { RequestedAt = default } },
        { "responded_at", r => r with { RespondedAt = r.RequestedAt.AddSeconds(-1) } },
        { "metadata", r => r with { MetadataJson = "{not json" } },
        { "metadata", r => r with { MetadataJson = "[1]" } },
        { "function_calls", r => r with { FunctionCallsJson = "{" } },
        { "error_message", r => r with { ErrorMessage = new string('e', 16 * 1024 + 1) } },
        { "temperature", r => r with { Temperature = 12m } },
        { "trace_id", r => r with { TraceId = new string('t', 65) } },
        { "max_tokens", r => r with { MaxTokens = -1 } },
        { "metadata", r => r with { MetadataJson = "{\"a\":\"\\ud800\"}" } },
        { "metadata", r => r with { MetadataJson = "{\"a\":1e1000000}" } },
        { "metadata", r => r with { MetadataJson = "{\"a\":\"\\u0000\"}" } },
        { "error_message", r => r with { ErrorMessage = "broken \ud800 text" } },
        { "model_name", r => r with { ModelName = " " } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Each_bad_value_is_rejected_naming_its_field(string field, Func<ModelRequestRecord, ModelRequestRecord> spoil)
    {
        var error = Assert.Throws<InvalidFieldException>(() => ModelRequestValidation.Validate(spoil(Valid())));
        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ":", error.Message);
    }
}
