-- Back to the bounded columns (fails, changing nothing, if a sum has outgrown numeric(20,8)).
DROP VIEW cost_aggregations_weekly;
DROP VIEW cost_aggregations_monthly;
ALTER TABLE cost_aggregations ALTER COLUMN total_cost_usd TYPE numeric(20,8);
ALTER TABLE sessions ALTER COLUMN totals_cost_usd TYPE numeric(20,8);
ALTER TABLE alert_events ALTER COLUMN spent_usd TYPE numeric(20,8);

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
