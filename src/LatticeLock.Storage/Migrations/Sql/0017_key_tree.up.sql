-- Issue 20: every API key records the key that created it (null: made with `lattice keys create`), so revoking a key
-- revokes every key made from it, however deep.
ALTER TABLE api_keys ADD COLUMN created_by uuid;
CREATE INDEX idx_api_keys_created_by ON api_keys (created_by) WHERE created_by IS NOT NULL;
-- The per-user quota of active keys counts these.
CREATE INDEX idx_api_keys_active ON api_keys (user_id) WHERE revoked_at IS NULL;
-- Per-key overrides of the request rate and concurrency limits (null: the silo's defaults, LatticeLock:Auth).
ALTER TABLE api_keys ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second > 0),
                     ADD COLUMN max_concurrent_requests integer CHECK (max_concurrent_requests > 0);
