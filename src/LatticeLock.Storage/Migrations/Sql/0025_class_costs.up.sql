-- Issue 21: cost analytics in USD per token class. Beside the cost by side, cost_aggregations keeps the cost of the
-- cache reads, of the cache writes (both lifetimes) and of the reasoning tokens of table-priced requests; the
-- uncached input and the plain output are what remains of each side. A client-given cost is known by side only.
-- (ALTER TABLE waits for the pump transactions running and holds cost_aggregations until commit, so the cursor the
-- backfill reads does not move under it. Silos still running the previous version afterwards count new requests
-- without class costs: stop them, or let them finish, before migrating.)
ALTER TABLE cost_aggregations
    ADD COLUMN total_cached_input_cost_usd      numeric NOT NULL DEFAULT 0,
    ADD COLUMN total_cache_write_input_cost_usd numeric NOT NULL DEFAULT 0,
    ADD COLUMN total_reasoning_output_cost_usd  numeric NOT NULL DEFAULT 0;

-- Backfill for the requests the aggregates consumer has counted (at or before its cursor, or counted and then
-- corrected by a reprice); the ones after it are counted with their class costs by the consumer itself. The
-- arithmetic is TokenPricing's as of this migration: a class's price scaled for the long-context tier and multiplied
-- for the service tier, rounded to 8 decimals, times its tokens per million, rounded to 8 decimals.
CREATE FUNCTION pg_temp.class_usd(tokens integer, usd_per_mtok numeric, base numeric, long_price numeric, is_long boolean, multiplier numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN coalesce(tokens, 0) <= 0 THEN 0
                ELSE round(tokens * round((CASE WHEN NOT is_long THEN usd_per_mtok
                                                WHEN base = 0 THEN long_price
                                                ELSE usd_per_mtok * long_price / base END) * multiplier, 8) / 1000000, 8) END
$$;

WITH c AS (SELECT last_xact_id, last_request_id FROM metric_sink_cursors WHERE sink = 'aggregates'),
r AS (
    SELECT (m.requested_at AT TIME ZONE 'UTC')::date AS day, m.user_id, m.project_id, m.provider, m.model_id, m.task_type,
           nullif(m.service_tier, 'standard') AS tier, m.cached_input_tokens, m.cache_write_input_tokens,
           m.cache_write_1h_input_tokens, m.reasoning_output_tokens, p.input_usd_per_mtok, p.output_usd_per_mtok,
           p.cached_input_usd_per_mtok, p.cache_write_input_usd_per_mtok, p.cache_write_1h_input_usd_per_mtok,
           p.reasoning_output_usd_per_mtok, p.long_context_input_usd_per_mtok, p.long_context_output_usd_per_mtok,
           p.long_context_threshold_tokens IS NOT NULL AND m.input_tokens > p.long_context_threshold_tokens AS is_long,
           CASE m.service_tier WHEN 'batch' THEN coalesce(p.batch_multiplier, 1) WHEN 'flex' THEN coalesce(p.flex_multiplier, 1)
                               WHEN 'priority' THEN coalesce(p.priority_multiplier, 1) ELSE 1 END AS multiplier
    FROM model_requests m
    JOIN model_prices p ON p.id = m.price_id
    CROSS JOIN c
    WHERE m.cost_source = 'price_table'
      AND (m.cached_input_tokens > 0 OR m.cache_write_input_tokens > 0 OR m.reasoning_output_tokens > 0)
      AND ((m.xact_id, m.id) <= (c.last_xact_id, c.last_request_id) OR EXISTS (SELECT 1 FROM cost_corrections k WHERE k.request_id = m.id))),
sums AS (
    SELECT day, user_id, project_id, provider, model_id, task_type, tier,
           sum(pg_temp.class_usd(cached_input_tokens, coalesce(cached_input_usd_per_mtok, input_usd_per_mtok), input_usd_per_mtok,
                                 long_context_input_usd_per_mtok, is_long, multiplier)) AS cached,
           sum(pg_temp.class_usd(coalesce(cache_write_input_tokens, 0) - coalesce(cache_write_1h_input_tokens, 0),
                                 coalesce(cache_write_input_usd_per_mtok, input_usd_per_mtok), input_usd_per_mtok,
                                 long_context_input_usd_per_mtok, is_long, multiplier)
             + pg_temp.class_usd(cache_write_1h_input_tokens,
                                 coalesce(cache_write_1h_input_usd_per_mtok, cache_write_input_usd_per_mtok, input_usd_per_mtok),
                                 input_usd_per_mtok, long_context_input_usd_per_mtok, is_long, multiplier)) AS written,
           sum(pg_temp.class_usd(reasoning_output_tokens, coalesce(reasoning_output_usd_per_mtok, output_usd_per_mtok), output_usd_per_mtok,
                                 long_context_output_usd_per_mtok, is_long, multiplier)) AS reasoning
    FROM r
    GROUP BY 1, 2, 3, 4, 5, 6, 7)
UPDATE cost_aggregations a
SET total_cached_input_cost_usd = s.cached, total_cache_write_input_cost_usd = s.written, total_reasoning_output_cost_usd = s.reasoning
FROM sums s
WHERE a.aggregation_date = s.day AND a.user_id IS NOT DISTINCT FROM s.user_id AND a.project_id IS NOT DISTINCT FROM s.project_id
  AND a.provider = s.provider AND a.model_id = s.model_id AND a.task_type IS NOT DISTINCT FROM s.task_type
  AND a.service_tier IS NOT DISTINCT FROM s.tier;

DROP FUNCTION pg_temp.class_usd(integer, numeric, numeric, numeric, boolean, numeric);
