-- Issue 20: idempotency that compares content, and span-derived ids nobody can predict.
-- A model request stores the SHA-256 of its payload as the client sent it; a repeat of its id with another payload is
-- a reused id (409), not a "duplicate". Rows stored before this have none and are taken as the same.
ALTER TABLE model_requests ADD COLUMN payload_hash bytea;

-- Secrets of this deployment, made here once from the server's strong random source (gen_random_uuid).
-- span_request_ids keys the HMAC that derives a model request id from an LLM span (owner, trace id, span id), so
-- nobody who sees a traceparent can compute, and so pre-claim, the id of another owner's LLM call.
CREATE TABLE deployment_keys (
    name       text        PRIMARY KEY,
    key        bytea       NOT NULL CHECK (length(key) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deployment_keys (name, key)
VALUES ('span_request_ids', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
