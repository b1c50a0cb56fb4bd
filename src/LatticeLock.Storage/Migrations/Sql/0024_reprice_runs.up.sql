-- Issue 21: corrections of table-priced costs (lattice prices reprice, POST /v1/model-prices/reprice).
-- A reprice recomputes rows chunk by chunk; each chunk is one transaction that corrects the rows, the session
-- checkpoints and cost_aggregations, and records its progress in reprice_runs (so a crashed run resumes there).

-- Bumped by every reprice chunk while it holds the row: the aggregates consumer refuses a batch read under an older
-- generation (its costs may predate the correction) and reads it again.
CREATE TABLE cost_reprice_state (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint  NOT NULL DEFAULT 0
);
INSERT INTO cost_reprice_state DEFAULT VALUES;

-- A corrected row moves to the end of the metric feed (its xact_id becomes the reprice's) so every sink is sent its
-- new cost. Rows cost_aggregations had counted already were corrected there by the reprice itself: the aggregates
-- consumer skips each listed one once, when it meets it again.
CREATE TABLE cost_corrections (
    request_id uuid PRIMARY KEY,
    run_id     uuid NOT NULL
);

CREATE TABLE reprice_runs (
    id                uuid PRIMARY KEY,
    requested_by      text        NOT NULL,
    window_from       timestamptz NOT NULL,
    window_to         timestamptz NOT NULL,
    provider          text,
    model             text,
    status            varchar(16) NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished')),
    -- Rows are walked in (requested_at, id) order; everything at or before this position is done.
    resume_at         timestamptz NOT NULL,
    resume_id         uuid        NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    rows_examined     bigint      NOT NULL DEFAULT 0,
    rows_changed      bigint      NOT NULL DEFAULT 0,
    rows_over_limit   bigint      NOT NULL DEFAULT 0,
    old_total_usd     numeric     NOT NULL DEFAULT 0,
    new_total_usd     numeric     NOT NULL DEFAULT 0,
    started_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    CHECK (window_from < window_to)
);
CREATE INDEX idx_reprice_runs_started ON reprice_runs (started_at DESC);

-- The sessions (and their projects) whose costs a run changed: live session grains reload their totals and project
-- grains re-sum their spend when the run is announced (NOTIFY cost_corrections).
CREATE TABLE reprice_run_sessions (
    run_id     uuid NOT NULL REFERENCES reprice_runs (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    project_id uuid,
    PRIMARY KEY (run_id, session_id)
);
