ALTER TABLE api_keys DROP COLUMN rate_limit_per_second, DROP COLUMN max_concurrent_requests;
DROP INDEX idx_api_keys_active;
DROP INDEX idx_api_keys_created_by;
ALTER TABLE api_keys DROP COLUMN created_by;
