-- The policies, the grants and the workspace columns go; the role stays (other LatticeLock databases in the same
-- PostgreSQL cluster may use it; it cannot log in and, after this, holds no privilege here).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspaces', 'workspace_members', 'projects', 'sessions', 'model_requests', 'traces',
        'cost_aggregations', 'metric_points', 'audit_logs', 'workspace_credentials', 'users', 'chats', 'chat_turns',
        'external_sessions', 'spans', 'span_resources', 'project_budgets', 'alert_events', 'budget_reservations',
        'project_errors'] LOOP
        EXECUTE format('DROP POLICY workspace_read ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END;
$$;
REVOKE SELECT ON workspaces, workspace_members, users, projects, sessions, chats, chat_turns, model_requests, traces, spans,
    span_resources, external_sessions, cost_aggregations, metric_points, project_budgets, alert_events, budget_reservations,
    project_errors, audit_logs, workspace_credentials, model_prices, model_request_ids FROM latticelock_reader;
REVOKE USAGE ON SCHEMA public FROM latticelock_reader;
DROP FUNCTION latticelock_workspaces();

-- Aggregates of one group in several workspaces fold back into one row.
CREATE TEMP TABLE cost_aggregations_folded ON COMMIT DROP AS
SELECT aggregation_date, user_id, project_id, provider, model_id, task_type, service_tier,
       sum(request_count) AS request_count, sum(success_count) AS success_count, sum(error_count) AS error_count,
       sum(total_input_tokens) AS total_input_tokens, sum(total_output_tokens) AS total_output_tokens,
       sum(total_cost_usd) AS total_cost_usd, sum(latency_count) AS latency_count,
       sum(latency_sum_ms) AS latency_sum_ms, latency_histogram_sum(latency_histogram) AS latency_histogram,
       min(latency_min_ms) AS latency_min_ms, max(latency_max_ms) AS latency_max_ms,
       sum(total_cached_input_tokens) AS total_cached_input_tokens,
       sum(total_cache_write_input_tokens) AS total_cache_write_input_tokens,
       sum(total_reasoning_output_tokens) AS total_reasoning_output_tokens,
       sum(total_input_cost_usd) AS total_input_cost_usd, sum(total_output_cost_usd) AS total_output_cost_usd,
       sum(total_cached_input_cost_usd) AS total_cached_input_cost_usd,
       sum(total_cache_write_input_cost_usd) AS total_cache_write_input_cost_usd,
       sum(total_reasoning_output_cost_usd) AS total_reasoning_output_cost_usd,
       min(created_at) AS created_at, max(updated_at) AS updated_at
FROM cost_aggregations
GROUP BY aggregation_date, user_id, project_id, provider, model_id, task_type, service_tier
HAVING count(*) > 1;
DELETE FROM cost_aggregations a USING cost_aggregations_folded f
WHERE (a.aggregation_date, a.provider, a.model_id) = (f.aggregation_date, f.provider, f.model_id)
  AND a.user_id IS NOT DISTINCT FROM f.user_id AND a.project_id IS NOT DISTINCT FROM f.project_id
  AND a.task_type IS NOT DISTINCT FROM f.task_type AND a.service_tier IS NOT DISTINCT FROM f.service_tier;
ALTER TABLE cost_aggregations DROP CONSTRAINT cost_aggregations_group_key;
DROP INDEX idx_cost_agg_workspace;
ALTER TABLE cost_aggregations DROP COLUMN workspace_id;
INSERT INTO cost_aggregations (aggregation_type, aggregation_date, user_id, project_id, provider, model_id, task_type,
    service_tier, request_count, success_count, error_count, total_input_tokens, total_output_tokens,
    total_cost_usd, latency_count, latency_sum_ms, latency_histogram, latency_min_ms, latency_max_ms,
    total_cached_input_tokens, total_cache_write_input_tokens, total_reasoning_output_tokens, total_input_cost_usd,
    total_output_cost_usd, total_cached_input_cost_usd, total_cache_write_input_cost_usd, total_reasoning_output_cost_usd,
    created_at, updated_at)
SELECT 'daily', aggregation_date, user_id, project_id, provider, model_id, task_type, service_tier, request_count,
       success_count, error_count, total_input_tokens, total_output_tokens, total_cost_usd, latency_count,
       latency_sum_ms, latency_histogram, latency_min_ms, latency_max_ms, total_cached_input_tokens,
       total_cache_write_input_tokens, total_reasoning_output_tokens, total_input_cost_usd, total_output_cost_usd,
       total_cached_input_cost_usd, total_cache_write_input_cost_usd, total_reasoning_output_cost_usd, created_at, updated_at
FROM cost_aggregations_folded;
ALTER TABLE cost_aggregations ADD CONSTRAINT cost_aggregations_group_key
    UNIQUE NULLS NOT DISTINCT (aggregation_date, user_id, project_id, provider, model_id, task_type, service_tier);

ALTER TABLE metric_points DROP COLUMN workspace_id;
ALTER TABLE traces DROP COLUMN workspace_id;
ALTER TABLE model_requests DROP COLUMN workspace_id;
