-- Back to one aggregate per group: the rows of each tier are folded into the group's row.
CREATE TEMP TABLE tiered ON COMMIT DROP AS SELECT * FROM cost_aggregations WHERE service_tier IS NOT NULL;
DELETE FROM cost_aggregations WHERE service_tier IS NOT NULL;
ALTER TABLE cost_aggregations DROP CONSTRAINT cost_aggregations_group_key;
ALTER TABLE cost_aggregations ADD UNIQUE NULLS NOT DISTINCT (aggregation_date, user_id, project_id, provider, model_id, task_type);
INSERT INTO cost_aggregations AS a (aggregation_date, user_id, project_id, provider, model_id, task_type, request_count, success_count,
    error_count, total_input_tokens, total_output_tokens, total_cost_usd, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms,
    latency_histogram)
SELECT aggregation_date, user_id, project_id, provider, model_id, task_type, sum(request_count), sum(success_count), sum(error_count),
       sum(total_input_tokens), sum(total_output_tokens), sum(total_cost_usd), sum(latency_count), sum(latency_sum_ms),
       min(latency_min_ms), max(latency_max_ms), latency_histogram_sum(latency_histogram)
FROM tiered
GROUP BY aggregation_date, user_id, project_id, provider, model_id, task_type
ON CONFLICT (aggregation_date, user_id, project_id, provider, model_id, task_type) DO UPDATE SET
    request_count = a.request_count + excluded.request_count,
    success_count = a.success_count + excluded.success_count,
    error_count = a.error_count + excluded.error_count,
    total_input_tokens = a.total_input_tokens + excluded.total_input_tokens,
    total_output_tokens = a.total_output_tokens + excluded.total_output_tokens,
    total_cost_usd = a.total_cost_usd + excluded.total_cost_usd,
    latency_count = a.latency_count + excluded.latency_count,
    latency_sum_ms = a.latency_sum_ms + excluded.latency_sum_ms,
    latency_min_ms = least(a.latency_min_ms, excluded.latency_min_ms),
    latency_max_ms = greatest(a.latency_max_ms, excluded.latency_max_ms),
    latency_histogram = coalesce(latency_histogram_add(a.latency_histogram, excluded.latency_histogram), a.latency_histogram, excluded.latency_histogram);
ALTER TABLE cost_aggregations
    DROP COLUMN service_tier,
    DROP COLUMN total_cached_input_tokens,
    DROP COLUMN total_cache_write_input_tokens,
    DROP COLUMN total_reasoning_output_tokens,
    DROP COLUMN total_input_cost_usd,
    DROP COLUMN total_output_cost_usd;
