-- Issue 21: cost analytics by token class and service tier. A daily aggregate is also kept per service tier (null:
-- standard), and sums the cache reads, cache writes and reasoning tokens of its requests and their cost by side
-- (input: uncached, cached and cache-write input; output: output and reasoning).
ALTER TABLE cost_aggregations
    ADD COLUMN service_tier                   varchar(16),
    ADD COLUMN total_cached_input_tokens      bigint  NOT NULL DEFAULT 0,
    ADD COLUMN total_cache_write_input_tokens bigint  NOT NULL DEFAULT 0,
    ADD COLUMN total_reasoning_output_tokens  bigint  NOT NULL DEFAULT 0,
    ADD COLUMN total_input_cost_usd           numeric NOT NULL DEFAULT 0,
    ADD COLUMN total_output_cost_usd          numeric NOT NULL DEFAULT 0;

-- The group key gains the tier (the unnamed key of migration 7 is looked up by its definition).
DO $$
DECLARE old_key text;
BEGIN
    SELECT conname INTO old_key FROM pg_constraint WHERE conrelid = 'cost_aggregations'::regclass AND contype = 'u';
    EXECUTE format('ALTER TABLE cost_aggregations DROP CONSTRAINT %I', old_key);
END $$;
ALTER TABLE cost_aggregations ADD CONSTRAINT cost_aggregations_group_key
    UNIQUE NULLS NOT DISTINCT (aggregation_date, user_id, project_id, provider, model_id, task_type, service_tier);

-- The rows counted so far keep tier null (every tier counted as standard) and get their class totals from the log.
WITH sums AS (
    SELECT (requested_at AT TIME ZONE 'UTC')::date AS day, user_id, project_id, provider, model_id, task_type,
           sum(coalesce(cached_input_tokens, 0)) AS cached, sum(coalesce(cache_write_input_tokens, 0)) AS written,
           sum(coalesce(reasoning_output_tokens, 0)) AS reasoning,
           sum(coalesce(input_cost_usd, 0)) AS input_cost, sum(coalesce(output_cost_usd, 0)) AS output_cost
    FROM model_requests
    GROUP BY 1, 2, 3, 4, 5, 6)
UPDATE cost_aggregations a
SET total_cached_input_tokens = s.cached, total_cache_write_input_tokens = s.written, total_reasoning_output_tokens = s.reasoning,
    total_input_cost_usd = s.input_cost, total_output_cost_usd = s.output_cost
FROM sums s
WHERE a.aggregation_date = s.day AND a.user_id IS NOT DISTINCT FROM s.user_id AND a.project_id IS NOT DISTINCT FROM s.project_id
  AND a.provider = s.provider AND a.model_id = s.model_id AND a.task_type IS NOT DISTINCT FROM s.task_type;
