-- Every LLM call: the atomic unit of usage tracking (seed 000, Part 5 ModelRequest).
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
    input_cost_usd      numeric(12,8) NOT NULL DEFAULT 0 CHECK (input_cost_usd >= 0),
    output_cost_usd     numeric(12,8) NOT NULL DEFAULT 0 CHECK (output_cost_usd >= 0),
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
    CHECK (responded_at IS NULL OR responded_at >= requested_at)
);
CREATE INDEX idx_model_requests_session ON model_requests (session_id, requested_at);
CREATE INDEX idx_model_requests_chat ON model_requests (chat_id, requested_at);
CREATE INDEX idx_model_requests_user ON model_requests (user_id, requested_at);
CREATE INDEX idx_model_requests_model ON model_requests (model_id, requested_at);
CREATE INDEX idx_model_requests_provider ON model_requests (provider, requested_at);
CREATE INDEX idx_model_requests_task ON model_requests (task_type, requested_at);
CREATE INDEX idx_model_requests_trace ON model_requests (trace_id);
-- date() of a timestamptz depends on the session time zone; index the UTC date so the expression is immutable.
CREATE INDEX idx_model_requests_date ON model_requests (((requested_at AT TIME ZONE 'UTC')::date));
CREATE INDEX idx_model_requests_status ON model_requests (status, requested_at);
