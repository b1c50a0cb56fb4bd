-- Back to the per-day p95 column: every row is marked stale, so the pump's upkeep of the older version recomputes it.
ALTER TABLE cost_aggregations
    DROP COLUMN latency_histogram,
    DROP COLUMN latency_min_ms,
    DROP COLUMN latency_max_ms,
    ADD COLUMN p95_latency_ms numeric(12,2),
    ADD COLUMN p95_stale boolean NOT NULL DEFAULT true;
CREATE INDEX idx_cost_agg_p95_stale ON cost_aggregations (aggregation_date) WHERE p95_stale;
DROP AGGREGATE latency_histogram_sum(bigint[]);
DROP FUNCTION latency_histogram_add(bigint[], bigint[]);
DROP FUNCTION latency_histogram_bounds();
