-- Back to one unpartitioned model_requests with its primary key, foreign keys and the indexes of migrations 4–7,
-- keeping every row (and its xact_id).
ALTER TABLE sessions
    DROP COLUMN totals_request_count, DROP COLUMN totals_input_tokens, DROP COLUMN totals_output_tokens,
    DROP COLUMN totals_cost_usd, DROP COLUMN totals_models, DROP COLUMN totals_last_request_at, DROP COLUMN totals_xmin;

ALTER TABLE model_requests RENAME TO model_requests_v9;

CREATE TABLE model_requests (
    id                  uuid          PRIMARY KEY,
    session_id          uuid          REFERENCES sessions (id),
    chat_id             uuid          REFERENCES chats (id),
    user_id             uuid          REFERENCES users (id),
    trace_id            varchar(64),
    parent_span_id      varchar(32),
    span_id             varchar(32),
    model_id            varchar(256)  NOT NULL,
    model_name          varchar(256),
    provider            varchar(256)  NOT NULL,
    task_type           varchar(64),
    priority            varchar(64),
    requested_at        timestamptz   NOT NULL,
    responded_at        timestamptz,
    latency_ms          integer       CHECK (latency_ms >= 0),
    input_tokens        integer       NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens       integer       NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    total_tokens        bigint        GENERATED ALWAYS AS (input_tokens::bigint + output_tokens) STORED,
    input_cost_usd      numeric(12,8) CHECK (input_cost_usd >= 0),
    output_cost_usd     numeric(12,8) CHECK (output_cost_usd >= 0),
    total_cost_usd      numeric(12,8) GENERATED ALWAYS AS (input_cost_usd + output_cost_usd) STORED,
    status              varchar(16)   NOT NULL CHECK (status IN ('success', 'error', 'timeout', 'fallback')),
    error_code          varchar(64),
    error_message       text,
    function_calls      jsonb,
    function_results    jsonb,
    context_window_used integer       CHECK (context_window_used >= 0),
    temperature         numeric(3,2),
    max_tokens          integer       CHECK (max_tokens >= 0),
    was_fallback        boolean       NOT NULL DEFAULT false,
    original_model_id   varchar(256),
    selection_score     numeric(5,2),
    selection_reason    text,
    raw_request         jsonb,
    raw_response        jsonb,
    metadata            jsonb         NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    updated_at          timestamptz   NOT NULL DEFAULT now(),
    cost_source         varchar(16)   NOT NULL DEFAULT 'client' CHECK (cost_source IN ('client', 'price_table', 'unpriced')),
    project_id          uuid,
    reservation_id      uuid,
    xact_id             xid8          NOT NULL DEFAULT pg_current_xact_id(),
    CHECK (responded_at IS NULL OR responded_at >= requested_at)
);
INSERT INTO model_requests (id, session_id, chat_id, user_id, trace_id, parent_span_id, span_id, model_id, model_name, provider,
    task_type, priority, requested_at, responded_at, latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd,
    status, error_code, error_message, function_calls, function_results, context_window_used, temperature, max_tokens,
    was_fallback, original_model_id, selection_score, selection_reason, raw_request, raw_response, metadata, created_at,
    updated_at, cost_source, project_id, reservation_id, xact_id)
SELECT id, session_id, chat_id, user_id, trace_id, parent_span_id, span_id, model_id, model_name, provider,
    task_type, priority, requested_at, responded_at, latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd,
    status, error_code, error_message, function_calls, function_results, context_window_used, temperature, max_tokens,
    was_fallback, original_model_id, selection_score, selection_reason, raw_request, raw_response, metadata, created_at,
    updated_at, cost_source, project_id, reservation_id, xact_id
FROM model_requests_v9;
DROP TABLE model_requests_v9;
DROP FUNCTION register_model_request_ids();
DROP TABLE model_request_ids;
DROP FUNCTION ensure_model_requests_partition(date);

CREATE INDEX idx_model_requests_session ON model_requests (session_id, requested_at);
CREATE INDEX idx_model_requests_chat ON model_requests (chat_id, requested_at);
CREATE INDEX idx_model_requests_user ON model_requests (user_id, requested_at);
CREATE INDEX idx_model_requests_model ON model_requests (model_id, requested_at);
CREATE INDEX idx_model_requests_provider ON model_requests (provider, requested_at);
CREATE INDEX idx_model_requests_task ON model_requests (task_type, requested_at);
CREATE INDEX idx_model_requests_trace ON model_requests (trace_id);
CREATE INDEX idx_model_requests_date ON model_requests (((requested_at AT TIME ZONE 'UTC')::date));
CREATE INDEX idx_model_requests_status ON model_requests (status, requested_at);
CREATE INDEX idx_model_requests_unpriced ON model_requests (requested_at) WHERE cost_source = 'unpriced';
CREATE INDEX idx_model_requests_project ON model_requests (project_id, requested_at);
CREATE INDEX idx_model_requests_xact ON model_requests (xact_id, id);
CREATE INDEX idx_model_requests_requested_brin ON model_requests USING brin (requested_at);
