-- Back to one unpartitioned model_requests with its primary key, foreign keys and the indexes of migrations 4–7,
-- keeping every row (and its xact_id).
ALTER TABLE sessions
    DROP COLUMN totals_request_count, DROP COLUMN totals_input_tokens, DROP COLUMN totals_output_tokens,
    DROP COLUMN totals_cost_usd, DROP COLUMN totals_models, DROP COLUMN totals_last_request_at, DROP COLUMN totals_xmin;

ALTER TABLE model_requests RENAME TO model_requests_v9;

CREATE TABLE model_requests (LIKE model_requests_v9 INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
ALTER TABLE model_requests ADD PRIMARY KEY (id),
    ADD FOREIGN KEY (session_id) REFERENCES sessions (id),
    ADD FOREIGN KEY (chat_id) REFERENCES chats (id),
    ADD FOREIGN KEY (user_id) REFERENCES users (id);
DO $$
DECLARE
    cols text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = 'model_requests_v9'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('INSERT INTO model_requests (%s) SELECT %s FROM model_requests_v9', cols, cols);
END;
$$;
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
