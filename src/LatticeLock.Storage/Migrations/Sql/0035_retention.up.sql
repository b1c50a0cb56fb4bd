-- Retention (docs/retention.md). Each workspace may keep its model requests, spans and chat turns for a number of days
-- (NULL = keep them); the retention job (RetentionGrain, one per cluster) drops a monthly partition once every row in
-- it has expired, and otherwise deletes expired rows in bounded batches. Cost aggregates are not affected.
ALTER TABLE workspaces
    ADD COLUMN retention_model_requests_days integer CHECK (retention_model_requests_days BETWEEN 1 AND 3650),
    ADD COLUMN retention_spans_days          integer CHECK (retention_spans_days BETWEEN 1 AND 3650),
    ADD COLUMN retention_chat_turns_days     integer CHECK (retention_chat_turns_days BETWEEN 1 AND 3650);

-- A chat remembers the highest turn number retention removed, so a chat whose turns all expired never numbers a new
-- turn with a number it gave out before.
ALTER TABLE chats ADD COLUMN expired_through_seq bigint NOT NULL DEFAULT 0 CHECK (expired_through_seq >= 0);

-- The batches find one workspace's expired rows by these (and a workspace's export and erasure use them too).
CREATE INDEX idx_model_requests_workspace ON model_requests (workspace_id, requested_at);
CREATE INDEX idx_traces_workspace ON traces (workspace_id, first_seen_at);

-- One row per pass of the job: what it removed, for `lattice retention status` and the tests. The job keeps the
-- newest 1,000.
CREATE TABLE retention_passes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at         timestamptz NOT NULL,
    finished_at        timestamptz NOT NULL,
    model_requests     bigint      NOT NULL CHECK (model_requests >= 0),
    spans              bigint      NOT NULL CHECK (spans >= 0),
    traces             bigint      NOT NULL CHECK (traces >= 0),
    chat_turns         bigint      NOT NULL CHECK (chat_turns >= 0),
    statements         integer     NOT NULL CHECK (statements >= 0),
    dropped_partitions text[]      NOT NULL DEFAULT '{}',
    held_back          bigint      NOT NULL CHECK (held_back >= 0),
    error              text
);
