-- Traces received over OTLP (POST /otlp/v1/traces): every span, idempotent by (trace_id, span_id), partitioned by
-- month of its start. A span's start never changes between an exporter's retries, so the primary key
-- (trace_id, span_id, started_at) makes a retried span conflict in the same partition and be stored once.

-- One helper for every monthly-partitioned table from here on: creates PARENT_YYYY_MM for the month containing
-- `month`, moving that month's rows out of PARENT_default first. Returns false when it already existed.
CREATE FUNCTION ensure_monthly_partition(parent regclass, key_column text, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    next_day  date := (date_trunc('month', month) + interval '1 month')::date;
    lo        timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    hi        timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    base      text := parent::text;
    part      text := format('%s_%s', parent::text, to_char(first_day, 'YYYY_MM'));
    cols      text;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(base || '_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
    EXECUTE format(
        'WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        base || '_default', key_column, lo, key_column, hi, cols, part, cols, cols);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
    RETURN true;
END;
$$;

-- A trace: who owns it (the user of the key that sent its first span; spans of it sent with another user's key are
-- refused) and the LatticeLock session it belongs to, once a span names one.
CREATE TABLE traces (
    trace_id      text        PRIMARY KEY CHECK (trace_id ~ '^[0-9a-f]{32}$'),
    user_id       uuid        NOT NULL,
    session_id    uuid,
    first_seen_at timestamptz NOT NULL DEFAULT now()
);
-- GET /v1/sessions/{id}/traces
CREATE INDEX traces_session ON traces (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE spans (
    trace_id            text        NOT NULL,
    span_id             text        NOT NULL CHECK (span_id ~ '^[0-9a-f]{16}$'),
    parent_span_id      text        CHECK (parent_span_id ~ '^[0-9a-f]{16}$'),
    name                text        NOT NULL,
    kind                smallint    NOT NULL,
    -- Nanoseconds since the Unix epoch as the exporter sent them; started_at is the same instant (to the microsecond)
    -- for partitioning and range reads.
    start_unix_nano     bigint      NOT NULL,
    end_unix_nano       bigint      NOT NULL CHECK (end_unix_nano >= start_unix_nano),
    started_at          timestamptz NOT NULL,
    status_code         smallint    NOT NULL,
    status_message      text,
    scope_name          text,
    attributes          jsonb       NOT NULL,
    resource_attributes jsonb       NOT NULL,
    events              jsonb       NOT NULL,
    -- The model request this span became (an LLM call under the GenAI, OpenInference or OpenLLMetry conventions).
    model_request_id    uuid,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trace_id, span_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE spans_default PARTITION OF spans DEFAULT;

SELECT ensure_monthly_partition('spans', 'started_at', (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => k))::date)
FROM generate_series(0, 2) k;

-- A conversation or session id from a span's attributes (gen_ai.conversation.id, session.id, …) that is not one of
-- our session ids: the session created for it on first sight, one per user and external id.
CREATE TABLE external_sessions (
    user_id     uuid        NOT NULL,
    external_id text        NOT NULL,
    session_id  uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, external_id)
);
