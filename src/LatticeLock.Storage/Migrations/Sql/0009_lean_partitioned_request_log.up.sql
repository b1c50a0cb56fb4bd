-- The hot request log made lean (issue 10): model_requests partitioned by month of requested_at, with only the
-- indexes our queries use (README "Model-request log: indexes"), no foreign keys (the grains check relationships
-- before a row is queued), and request-id idempotency kept exact across partitions by model_request_ids.
-- Sessions get a checkpoint of their totals so a session grain activates without summing its whole history.
-- Every stored row is kept, with its xact_id (metric cursors stay valid).

ALTER TABLE model_requests RENAME TO model_requests_v8;
-- The old table's indexes go now (they would with the table) so the new ones can take their names.
DROP INDEX idx_model_requests_session, idx_model_requests_chat, idx_model_requests_user, idx_model_requests_model,
    idx_model_requests_provider, idx_model_requests_task, idx_model_requests_trace, idx_model_requests_date,
    idx_model_requests_status, idx_model_requests_unpriced, idx_model_requests_project, idx_model_requests_xact,
    idx_model_requests_requested_brin;

-- Same columns, defaults, generated columns and checks as version 8; no primary key or foreign keys.
CREATE TABLE model_requests (LIKE model_requests_v8 INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (requested_at);
-- Anything outside the monthly partitions lands here (never refused) and moves out when its month is created.
CREATE TABLE model_requests_default PARTITION OF model_requests DEFAULT;

-- The indexes, each with the query that needs it:
--   session activation (totals after the checkpoint) and `lattice requests list --session`: (session_id, xact_id)
CREATE INDEX idx_model_requests_session_xact ON model_requests (session_id, xact_id);
--   budget spend of a project in a month (BudgetRepository.SpendAsync): (project_id, requested_at)
CREATE INDEX idx_model_requests_project ON model_requests (project_id, requested_at);
--   metric pumps and sink backlog (ModelRequestFeed, MetricCursorStore), latest-recorded listing: (xact_id, id)
CREATE INDEX idx_model_requests_xact ON model_requests (xact_id, id);
--   time windows (analytics leaderboard, p95 upkeep per day, a request by id after model_request_ids gave its time)
CREATE INDEX idx_model_requests_requested_brin ON model_requests USING brin (requested_at);

-- One row per request id ever stored: a primary key over all partitions (PostgreSQL has no global unique index on
-- a partitioned table), so a retry is recognised however much later it comes and whatever requested_at it carries.
-- A statement trigger fills it from the same COPY (one statement, no extra round trip), for every writer alike; a
-- repeated id fails the statement with a unique violation and nothing of it is stored.
CREATE TABLE model_request_ids (
    id           uuid        PRIMARY KEY,
    requested_at timestamptz NOT NULL
);
CREATE FUNCTION register_model_request_ids() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO model_request_ids (id, requested_at) SELECT id, requested_at FROM new_requests;
    RETURN NULL;
END;
$$;
CREATE TRIGGER register_model_request_ids AFTER INSERT ON model_requests
    REFERENCING NEW TABLE AS new_requests FOR EACH STATEMENT EXECUTE FUNCTION register_model_request_ids();

CREATE FUNCTION ensure_model_requests_partition(month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    next_day  date := (date_trunc('month', month) + interval '1 month')::date;
    lo        timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    hi        timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    part      text := format('model_requests_%s', to_char(first_day, 'YYYY_MM'));
    cols      text;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('model_requests_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = 'model_requests'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('CREATE TABLE %I (LIKE model_requests INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)', part);
    -- Rows that landed in the default partition for this month move into the new one before it is attached.
    EXECUTE format(
        'WITH moved AS (DELETE FROM model_requests_default WHERE requested_at >= %L AND requested_at < %L RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        lo, hi, cols, part, cols, cols);
    EXECUTE format('ALTER TABLE model_requests ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END;
$$;

-- A partition for every month that has rows, and for this month and the next two.
SELECT ensure_model_requests_partition(m)
FROM (SELECT DISTINCT date_trunc('month', requested_at AT TIME ZONE 'UTC')::date AS m FROM model_requests_v8
      UNION SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => k))::date FROM generate_series(0, 2) k) months
ORDER BY m;

-- Every stored (non-generated) column, xact_id included; the trigger registers every id in model_request_ids.
DO $$
DECLARE
    cols text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = 'model_requests_v8'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('INSERT INTO model_requests (%s) SELECT %s FROM model_requests_v8', cols, cols);
END;
$$;
DROP TABLE model_requests_v8;

-- Session totals checkpoint: the sums over the session's rows written by transactions below totals_xmin (all of
-- them finished, so that set can never change). A grain's totals = checkpoint + the rows at or after totals_xmin.
ALTER TABLE sessions
    ADD COLUMN totals_request_count   bigint        NOT NULL DEFAULT 0,
    ADD COLUMN totals_input_tokens    bigint        NOT NULL DEFAULT 0,
    ADD COLUMN totals_output_tokens   bigint        NOT NULL DEFAULT 0,
    ADD COLUMN totals_cost_usd        numeric(20,8) NOT NULL DEFAULT 0,
    ADD COLUMN totals_models          text[]        NOT NULL DEFAULT '{}',
    ADD COLUMN totals_last_request_at timestamptz,
    ADD COLUMN totals_xmin            xid8          NOT NULL DEFAULT '0';

CREATE TEMP TABLE checkpoint_horizon ON COMMIT DROP AS SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x;
UPDATE sessions s
SET totals_request_count = t.n, totals_input_tokens = t.i, totals_output_tokens = t.o, totals_cost_usd = t.c,
    totals_models = t.models, totals_last_request_at = t.last, totals_xmin = h.x
FROM checkpoint_horizon h,
     (SELECT m.session_id, count(*) AS n, coalesce(sum(m.input_tokens), 0)::bigint AS i, coalesce(sum(m.output_tokens), 0)::bigint AS o,
             coalesce(sum(m.total_cost_usd), 0) AS c, array_agg(DISTINCT m.model_id ORDER BY m.model_id) AS models, max(m.created_at) AS last
      FROM model_requests m, checkpoint_horizon h2
      WHERE m.session_id IS NOT NULL AND m.xact_id < h2.x
      GROUP BY m.session_id) t
WHERE s.id = t.session_id;
UPDATE sessions SET totals_xmin = (SELECT x FROM checkpoint_horizon) WHERE totals_xmin = '0';
