-- Issue 5: budgets with alert events, metric delivery cursors, metric_points (partitioned by month) and daily
-- cost aggregates.

-- The project a request is charged to, copied from its session (which references projects), so budgets and
-- analytics need no join; the reservation it settles; and the transaction that wrote it. xact_id gives the metric
-- pumps a cursor that never skips a row: every transaction with an id below pg_snapshot_xmin() has finished, so no
-- row can appear behind the cursor later (an identity column would not give that: values are taken before commit).
ALTER TABLE model_requests
    ADD COLUMN project_id uuid,
    ADD COLUMN reservation_id uuid,
    ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id();
UPDATE model_requests m SET project_id = s.project_id
FROM sessions s WHERE m.session_id = s.id AND s.project_id IS NOT NULL;
CREATE INDEX idx_model_requests_project ON model_requests (project_id, requested_at);
CREATE INDEX idx_model_requests_xact ON model_requests (xact_id, id);
-- Time windows without another filter (the model leaderboard across task types): rows arrive roughly in time order.
CREATE INDEX idx_model_requests_requested_brin ON model_requests USING brin (requested_at);

-- Seed 003 budgets, alerts and alert events; one budget per project, a calendar month (UTC) long.
CREATE TABLE project_budgets (
    project_id            uuid          PRIMARY KEY REFERENCES projects (id),
    monthly_usd           numeric(14,2) NOT NULL CHECK (monthly_usd >= 0),
    alert_thresholds_pct  integer[]     NOT NULL DEFAULT '{}',
    webhook_url           text,
    created_at            timestamptz   NOT NULL DEFAULT now(),
    updated_at            timestamptz   NOT NULL DEFAULT now()
);

-- One row per (project, month, threshold), whatever the concurrency or restarts; the webhook delivery's state.
CREATE TABLE alert_events (
    id               bigserial     PRIMARY KEY,
    project_id       uuid          NOT NULL REFERENCES projects (id),
    period_start     date          NOT NULL,
    threshold_pct    integer       NOT NULL CHECK (threshold_pct > 0),
    spent_usd        numeric(20,8) NOT NULL,
    monthly_usd      numeric(14,2) NOT NULL,
    webhook_url      text,
    delivery_status  varchar(16)   NOT NULL CHECK (delivery_status IN ('pending', 'delivered', 'failed', 'no_webhook')),
    attempts         integer       NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (project_id, period_start, threshold_pct)
);
CREATE INDEX idx_alert_events_pending ON alert_events (next_attempt_at) WHERE delivery_status = 'pending';

-- Per-sink position in model_requests (ordered by xact_id, id) and the sink's health.
CREATE TABLE metric_sink_cursors (
    sink                 varchar(64)  PRIMARY KEY,
    last_xact_id         xid8         NOT NULL DEFAULT '0',
    last_request_id      uuid         NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    delivered            bigint       NOT NULL DEFAULT 0,
    rejected             bigint       NOT NULL DEFAULT 0,
    last_success_at      timestamptz,
    last_error           text,
    last_error_at        timestamptz,
    consecutive_failures integer      NOT NULL DEFAULT 0,
    updated_at           timestamptz  NOT NULL DEFAULT now()
);

-- Points a sink refused for good (reported, never retried).
CREATE TABLE metric_rejections (
    sink        varchar(64) NOT NULL,
    request_id  uuid        NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sink, request_id)
);

-- The PostgreSQL metric sink: one row per model request, partitioned by month. Partitions are created ahead by the
-- sink's reminder (ensure_metric_points_partition); the default partition catches anything outside them, so no
-- point is ever refused, and is emptied into the right partition when that partition is created.
CREATE TABLE metric_points (
    time           timestamptz   NOT NULL,
    request_id     uuid          NOT NULL,
    project_id     uuid,
    user_id        uuid,
    session_id     uuid,
    provider       varchar(256)  NOT NULL,
    model_id       varchar(256)  NOT NULL,
    task_type      varchar(64),
    status         varchar(16)   NOT NULL,
    latency_ms     integer,
    input_tokens   integer       NOT NULL,
    output_tokens  integer       NOT NULL,
    cost_usd       numeric(14,8),
    PRIMARY KEY (time, request_id)
) PARTITION BY RANGE (time);
CREATE TABLE metric_points_default PARTITION OF metric_points DEFAULT;
CREATE INDEX idx_metric_points_model ON metric_points (model_id, time);

CREATE FUNCTION ensure_metric_points_partition(month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    next_day  date := (date_trunc('month', month) + interval '1 month')::date;
    lo        timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    hi        timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    part      text := format('metric_points_%s', to_char(first_day, 'YYYY_MM'));
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('metric_points_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE metric_points INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    -- Rows that landed in the default partition for this month move into the new one before it is attached.
    EXECUTE format(
        'WITH moved AS (DELETE FROM metric_points_default WHERE time >= %L AND time < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        lo, hi, part);
    EXECUTE format('ALTER TABLE metric_points ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        part, lo, hi);
    RETURN true;
END;
$$;

-- Seed 000 Part 5 cost_aggregations, kept per UTC day and per (user, project, provider, model, task type) by the
-- 'aggregates' pump, incrementally and in the same transaction that advances its cursor (so exactly once).
-- Weekly and monthly figures are sums of days (views below). p95 is refreshed for changed days by the pump.
CREATE TABLE cost_aggregations (
    aggregation_type     varchar(20)   NOT NULL DEFAULT 'daily' CHECK (aggregation_type = 'daily'),
    aggregation_date     date          NOT NULL,
    user_id              uuid,
    project_id           uuid,
    provider             varchar(256)  NOT NULL,
    model_id             varchar(256)  NOT NULL,
    task_type            varchar(64),
    request_count        bigint        NOT NULL DEFAULT 0,
    success_count        bigint        NOT NULL DEFAULT 0,
    error_count          bigint        NOT NULL DEFAULT 0,
    total_input_tokens   bigint        NOT NULL DEFAULT 0,
    total_output_tokens  bigint        NOT NULL DEFAULT 0,
    total_tokens         bigint        GENERATED ALWAYS AS (total_input_tokens + total_output_tokens) STORED,
    total_cost_usd       numeric(20,8) NOT NULL DEFAULT 0,
    latency_count        bigint        NOT NULL DEFAULT 0,
    latency_sum_ms       bigint        NOT NULL DEFAULT 0,
    avg_latency_ms       numeric(12,2) GENERATED ALWAYS AS (CASE WHEN latency_count > 0 THEN round(latency_sum_ms::numeric / latency_count, 2) END) STORED,
    p95_latency_ms       numeric(12,2),
    p95_stale            boolean       NOT NULL DEFAULT true,
    created_at           timestamptz   NOT NULL DEFAULT now(),
    updated_at           timestamptz   NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (aggregation_date, user_id, project_id, provider, model_id, task_type)
);
CREATE INDEX idx_cost_agg_date ON cost_aggregations (aggregation_date);
CREATE INDEX idx_cost_agg_user ON cost_aggregations (user_id, aggregation_date);
CREATE INDEX idx_cost_agg_project ON cost_aggregations (project_id, aggregation_date);
CREATE INDEX idx_cost_agg_p95_stale ON cost_aggregations (aggregation_date) WHERE p95_stale;

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

-- Partitions for this month and the next two; the PostgreSQL sink's reminder keeps creating them ahead.
SELECT ensure_metric_points_partition((now() AT TIME ZONE 'UTC')::date);
SELECT ensure_metric_points_partition(((now() AT TIME ZONE 'UTC') + interval '1 month')::date);
SELECT ensure_metric_points_partition(((now() AT TIME ZONE 'UTC') + interval '2 months')::date);
