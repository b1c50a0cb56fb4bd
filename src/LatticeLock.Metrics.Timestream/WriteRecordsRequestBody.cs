using System.Globalization;
using System.Text.Json;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// The JSON body of one WriteRecords call. What every record shares (measure name, MULTI, MILLISECONDS) is sent once
/// in <c>CommonAttributes</c>; each record carries its dimensions, time and measure values.
/// </summary>
public static class WriteRecordsRequestBody
{
    public const string Operation = "WriteRecords";

    public static byte[] Serialize(string database, string table, string measureName, IReadOnlyList<TimestreamRecord> records)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + records.Count * 400);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("DatabaseName", database);
            json.WriteString("TableName", table);
            json.WriteStartObject("CommonAttributes");
            json.WriteString("MeasureName", measureName);
            json.WriteString("MeasureValueType", "MULTI");
            json.WriteString("TimeUnit", "MILLISECONDS");
            json.WriteEndObject();
            json.WriteStartArray("Records");
            foreach (var record in records)
            {
                json.WriteStartObject();
                json.WriteStartArray("Dimensions");
                foreach (var d in record.Dimensions)
                {
                    json.WriteStartObject();
                    json.WriteString("Name", d.Name);
                    json.WriteString("Value", d.Value);
                    json.WriteString("DimensionValueType", "VARCHAR");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteString("Time", record.TimeMilliseconds.ToString(CultureInfo.InvariantCulture));
                json.WriteStartArray("MeasureValues");
                foreach (var m in record.Measures)
                {
                    json.WriteStartObject();
                    json.WriteString("Name", m.Name);
                    json.WriteString("Value", m.Value);
                    json.WriteString("Type", m.Type);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                if (record.Version is { } version) json.WriteNumber("Version", version);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
