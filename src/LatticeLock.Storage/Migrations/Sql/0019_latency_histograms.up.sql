-- Latency percentiles from the aggregates. Each cost_aggregations row keeps a histogram of its requests' latency_ms
-- (log buckets: LatencyHistogram in LatticeLock.Storage.Analytics), with the smallest and largest latency, so the model
-- leaderboard sums a window's rows of one owner (through idx_cost_agg_user / idx_cost_agg_project) instead of scanning
-- every owner's request log. This replaces the per-day p95 column, which the aggregates pump recomputed each minute by
-- scanning the day's whole log.

-- The bucket bounds: 1, 2, ..., 10, then each the previous plus a tenth (integer division), up to 24 h in ms.
-- The same rule as LatencyHistogram.Bounds (a test holds them equal).
CREATE FUNCTION latency_histogram_bounds() RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH RECURSIVE b(v) AS (
        SELECT 1
        UNION ALL
        SELECT v + greatest(1, v / 10) FROM b WHERE v + greatest(1, v / 10) <= 86400000)
    SELECT array_agg(v ORDER BY v) FROM b
$$;

-- Bucket-by-bucket sum of two histograms of the same length.
CREATE FUNCTION latency_histogram_add(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;

CREATE AGGREGATE latency_histogram_sum(bigint[]) (SFUNC = latency_histogram_add, STYPE = bigint[], PARALLEL = SAFE);

ALTER TABLE cost_aggregations
    DROP COLUMN p95_latency_ms,
    DROP COLUMN p95_stale,
    ADD COLUMN latency_histogram bigint[],
    ADD COLUMN latency_min_ms integer,
    ADD COLUMN latency_max_ms integer;

-- Histograms of the rows counted so far, from the log (once; the pump keeps them from here on).
WITH bounds AS (SELECT latency_histogram_bounds() AS b),
buckets AS (
    SELECT (m.requested_at AT TIME ZONE 'UTC')::date AS day, m.user_id, m.project_id, m.provider, m.model_id, m.task_type,
           width_bucket(m.latency_ms, bounds.b) AS bucket, cardinality(bounds.b) AS top, count(*) AS n,
           min(m.latency_ms) AS lo, max(m.latency_ms) AS hi
    FROM model_requests m, bounds
    WHERE m.latency_ms IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
histograms AS (
    SELECT day, user_id, project_id, provider, model_id, task_type,
           latency_histogram_sum(array_fill(0::bigint, ARRAY[bucket]) || n || array_fill(0::bigint, ARRAY[top - bucket])) AS h,
           min(lo) AS lo, max(hi) AS hi
    FROM buckets
    GROUP BY 1, 2, 3, 4, 5, 6)
UPDATE cost_aggregations a SET latency_histogram = h.h, latency_min_ms = h.lo, latency_max_ms = h.hi
FROM histograms h
WHERE a.aggregation_date = h.day AND a.user_id IS NOT DISTINCT FROM h.user_id AND a.project_id IS NOT DISTINCT FROM h.project_id
  AND a.provider = h.provider AND a.model_id = h.model_id AND a.task_type IS NOT DISTINCT FROM h.task_type;
