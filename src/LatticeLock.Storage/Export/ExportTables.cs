using static LatticeLock.Storage.Export.ExportKind;

namespace LatticeLock.Storage.Export;

/// <summary>
/// What <c>lattice export</c> writes (docs/operations.md, "Export to Parquet"): a workspace's model requests (cut by
/// requested_at), spans (cut by started_at, with their trace's session and their resource's attributes) and daily cost
/// aggregates. Internal columns (commit positions, payload hashes) are left out.
/// </summary>
public static class ExportTables
{
    private static (ExportColumn, string) C(string name, ExportKind kind) => (new ExportColumn(name, kind), name);
    private static (ExportColumn, string) C(string name, ExportKind kind, string expression) => (new ExportColumn(name, kind), expression);
    private static (ExportColumn, string) D(string name, int precision, int scale) => (new ExportColumn(name, Numeric, precision, scale), name);

    public static readonly ExportTable ModelRequests = new("model_requests", "requested_at",
    [
        C("id", Uuid), C("workspace_id", Uuid), C("user_id", Uuid), C("project_id", Uuid), C("session_id", Uuid), C("chat_id", Uuid),
        C("trace_id", Text), C("span_id", Text), C("parent_span_id", Text),
        C("provider", Text), C("model_id", Text), C("model_name", Text), C("task_type", Text), C("priority", Text), C("service_tier", Text),
        C("requested_at", Timestamp), C("responded_at", Timestamp), C("recorded_at", Timestamp), C("latency_ms", Integer),
        C("status", Text), C("error_code", Text), C("error_message", Text),
        C("input_tokens", Integer), C("output_tokens", Integer), C("total_tokens", BigInt), C("cached_input_tokens", Integer),
        C("cache_write_input_tokens", Integer), C("cache_write_1h_input_tokens", Integer), C("reasoning_output_tokens", Integer),
        D("input_cost_usd", 12, 8), D("output_cost_usd", 12, 8), D("total_cost_usd", 12, 8), C("cost_source", Text), C("price_id", BigInt),
        C("reservation_id", Uuid), C("context_window_used", Integer), D("temperature", 3, 2), C("max_tokens", Integer), C("was_fallback", Bool),
        C("original_model_id", Text), D("selection_score", 5, 2), C("selection_reason", Text),
        C("function_calls", Json), C("function_results", Json), C("metadata", Json), C("raw_request", Json), C("raw_response", Json),
    ], "model_requests", "workspace_id = $1 AND requested_at >= $2 AND requested_at < $3", "requested_at, id");

    public static readonly ExportTable Spans = new("spans", "started_at",
    [
        C("trace_id", Text, "s.trace_id"), C("span_id", Text, "s.span_id"), C("parent_span_id", Text, "s.parent_span_id"),
        C("workspace_id", Uuid, "t.workspace_id"), C("user_id", Uuid, "s.user_id"), C("session_id", Uuid, "t.session_id"),
        C("model_request_id", Uuid, "s.model_request_id"), C("name", Text, "s.name"), C("kind", SmallInt, "s.kind"),
        C("started_at", Timestamp, "s.started_at"), C("start_unix_nano", BigInt, "s.start_unix_nano"), C("end_unix_nano", BigInt, "s.end_unix_nano"),
        C("status_code", SmallInt, "s.status_code"), C("status_message", Text, "s.status_message"), C("scope_name", Text, "s.scope_name"),
        C("received_at", Timestamp, "s.received_at"), C("attributes", Json, "s.attributes"), C("events", Json, "s.events"),
        C("resource_attributes", Json, "r.attributes"),
    ],
    "spans s JOIN traces t ON t.trace_id = s.trace_id AND t.user_id = s.user_id LEFT JOIN span_resources r ON r.user_id = s.user_id AND r.resource_id = s.resource_id",
    "t.workspace_id = $1 AND s.started_at >= $2 AND s.started_at < $3", "s.started_at, s.trace_id, s.span_id");

    public static readonly ExportTable CostAggregations = new("cost_aggregations", "aggregation_date",
    [
        C("aggregation_date", Date), C("workspace_id", Uuid), C("user_id", Uuid), C("project_id", Uuid), C("provider", Text), C("model_id", Text),
        C("task_type", Text), C("service_tier", Text), C("request_count", BigInt), C("success_count", BigInt), C("error_count", BigInt),
        C("total_input_tokens", BigInt), C("total_output_tokens", BigInt), C("total_tokens", BigInt), C("total_cached_input_tokens", BigInt),
        C("total_cache_write_input_tokens", BigInt), C("total_reasoning_output_tokens", BigInt),
        D("total_cost_usd", 28, 8), D("total_input_cost_usd", 28, 8), D("total_output_cost_usd", 28, 8), D("total_cached_input_cost_usd", 28, 8),
        D("total_cache_write_input_cost_usd", 28, 8), D("total_reasoning_output_cost_usd", 28, 8),
        C("latency_count", BigInt), C("latency_sum_ms", BigInt), C("latency_min_ms", Integer), C("latency_max_ms", Integer), D("avg_latency_ms", 12, 2),
        C("updated_at", Timestamp),
    ], "cost_aggregations", "workspace_id = $1 AND aggregation_date >= $2 AND aggregation_date < $3",
    "user_id, project_id, provider, model_id, task_type, service_tier");

    public static readonly IReadOnlyList<ExportTable> All = [ModelRequests, Spans, CostAggregations];
}
