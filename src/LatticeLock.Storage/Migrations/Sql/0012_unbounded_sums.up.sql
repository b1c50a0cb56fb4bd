-- Sums of costs over many requests never overflow: a single request's cost stays bounded (numeric(12,8), checked
-- before it is stored), but the columns that add requests up become unconstrained numeric (exact, no precision limit),
-- so no number of requests can make a session checkpoint, a daily aggregation or an alert's spend fail to store.
-- Token and request counts are bigint: 2^63 holds over 4 billion requests at the per-request maximum of 2^31 - 1
-- tokens, more than any one session, project-day or budget month can see.
DROP VIEW cost_aggregations_weekly;
DROP VIEW cost_aggregations_monthly;
ALTER TABLE cost_aggregations ALTER COLUMN total_cost_usd TYPE numeric;
ALTER TABLE sessions ALTER COLUMN totals_cost_usd TYPE numeric;
ALTER TABLE alert_events ALTER COLUMN spent_usd TYPE numeric;

CREATE VIEW cost_aggregations_weekly AS
SELECT date_trunc('week', aggregation_date)::date AS aggregation_date, user_id, project_id, provider, model_id, task_type,
       sum(request_count) AS request_count, sum(success_count) AS success_count, sum(error_count) AS error_count,
       sum(total_input_tokens) AS total_input_tokens, sum(total_output_tokens) AS total_output_tokens,
       sum(total_cost_usd) AS total_cost_usd,
       CASE WHEN sum(latency_count) > 0 THEN round(sum(latency_sum_ms)::numeric / sum(latency_count), 2) END AS avg_latency_ms
FROM cost_aggregations GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW cost_aggregations_monthly AS
SELECT date_trunc('month', aggregation_date)::date AS aggregation_date, user_id, project_id, provider, model_id, task_type,
       sum(request_count) AS request_count, sum(success_count) AS success_count, sum(error_count) AS error_count,
       sum(total_input_tokens) AS total_input_tokens, sum(total_output_tokens) AS total_output_tokens,
       sum(total_cost_usd) AS total_cost_usd,
       CASE WHEN sum(latency_count) > 0 THEN round(sum(latency_sum_ms)::numeric / sum(latency_count), 2) END AS avg_latency_ms
FROM cost_aggregations GROUP BY 1, 2, 3, 4, 5, 6;
