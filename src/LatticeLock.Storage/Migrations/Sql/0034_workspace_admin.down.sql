ALTER TABLE api_keys DROP COLUMN minted_by;
DROP INDEX idx_api_keys_workspace;
-- Overrides cannot stay current without their workspace: they are retired, not deleted, so the requests priced from
-- them keep their price_id. Their prices stay readable by id; the platform's rows are untouched.
DROP POLICY workspace_read ON model_prices;
ALTER TABLE model_prices DISABLE ROW LEVEL SECURITY;
UPDATE model_prices SET superseded_at = now() WHERE workspace_id IS NOT NULL AND superseded_at IS NULL;
DROP INDEX model_prices_current;
ALTER TABLE model_prices DROP COLUMN workspace_id;
CREATE UNIQUE INDEX model_prices_current ON model_prices (provider, model, effective_from) WHERE superseded_at IS NULL;
