using System.Text.Json;
using System.Text.Json.Serialization;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.ModelRequests;

namespace LatticeLock.Silo.Http;

/// <summary>
/// A model request's JSON, field for field as <see cref="ModelRequestJsonField"/> gives the rules for the stored
/// columns (the JSON name is the column name). Bodies: every column but the server-set ones (user_id, project_id, cost_source);
/// <c>id</c> is optional (give it to make retries idempotent). Answers: every column read back, plus totals.
/// </summary>
public static class ModelRequestJson
{
    /// <summary>
    /// The request a body describes, with <paramref name="idWhenAbsent"/> as its id when the body gives none; a missing
    /// required field or a mistyped value is a 400 naming the field.
    /// </summary>
    public static ModelRequestRow FromBody(JsonElement body, JsonSerializerOptions options, Guid idWhenAbsent)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApiProblem.BadRequest("body", "the item must be a JSON object");
        var row = ModelRequestColumns.Empty with { Request = ModelRequestColumns.Empty.Request with { Id = idWhenAbsent } };
        string? missing = null; // reported after every given value is checked: a mistyped value is the likelier mistake
        foreach (var field in ModelRequestJsonField.All)
        {
            if (field.ServerSet) continue;
            if (!body.TryGetProperty(field.Name, out var value) || (value.ValueKind == JsonValueKind.Null && field.Name == "id"))
            {
                if (field.IsRequired) missing ??= field.Name;
                continue;
            }
            try
            {
                row = field.Read(value, row, options);
            }
            catch (JsonException e)
            {
                throw ApiProblem.BadRequest(field.Name, $"{field.Name}: {JsonBody.ReasonOf(e)}");
            }
        }
        if (missing is "session_id" || row.SessionId == Guid.Empty) throw ApiProblem.BadRequest("session_id", "session_id: is required and must not be the nil UUID");
        if (missing is not null) throw ApiProblem.BadRequest(missing, $"{missing}: is required");
        return row;
    }

    /// <summary>The id a body names, if it names a valid one (so a rejected batch item can still be matched up).</summary>
    public static Guid? IdOf(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String) return null;
        try
        {
            return id.TryGetGuid(out var value) ? value : null;
        }
        catch (InvalidOperationException)
        {
            return null; // not valid Unicode (a lone surrogate escape): no id; reading the item names the field
        }
    }
}

/// <summary>
/// A stored model request as the gateway answers it; written by <see cref="ModelRequestResponseConverter"/>. With
/// <paramref name="WithBreakdown"/> (a read by id) it carries <c>cost_breakdown</c>.
/// </summary>
[JsonConverter(typeof(ModelRequestResponseConverter))]
public sealed record ModelRequestResponse(ModelRequestRow Row, bool? ReservationSettled = null,
    IReadOnlyList<LatticeLock.Grains.Abstractions.Prices.CostPart>? CostBreakdown = null, bool WithBreakdown = false);

public sealed class ModelRequestResponseConverter : JsonConverter<ModelRequestResponse>
{
    public override ModelRequestResponse Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("model request responses are written, not read");

    public override void Write(Utf8JsonWriter writer, ModelRequestResponse value, JsonSerializerOptions options)
    {
        var request = value.Row.Request;
        writer.WriteStartObject();
        foreach (var field in ModelRequestJsonField.Answered)
        {
            writer.WritePropertyName(field.Name);
            field.Write(writer, value.Row, options);
        }
        writer.WriteNumber("total_tokens", request.TotalTokens);
        if (request.CostSource == CostSource.Unpriced) writer.WriteNull("total_cost_usd");
        else writer.WriteNumber("total_cost_usd", request.TotalCostUsd);
        if (value.ReservationSettled is { } settled) writer.WriteBoolean("reservation_settled", settled);
        else writer.WriteNull("reservation_settled");
        if (value.WithBreakdown)
        {
            writer.WritePropertyName("cost_breakdown");
            if (value.CostBreakdown is null) writer.WriteNullValue();
            else JsonSerializer.Serialize(writer, value.CostBreakdown, options);
        }
        writer.WriteEndObject();
    }
}
