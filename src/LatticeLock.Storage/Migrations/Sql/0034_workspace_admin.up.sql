-- Issue 23, the admin role's last two pieces. (1) Price overrides: a workspace may price a model differently from the
-- platform's table (a negotiated rate, a private deployment). An override is a model_prices row with the workspace's id; the platform's
-- rows have none. Rows stay immutable and retired as before (superseded_at), so a request's price_id keeps naming the
-- row it was priced from, override or not. One current row per (workspace or platform, provider, model, date).
ALTER TABLE model_prices ADD COLUMN workspace_id uuid REFERENCES workspaces (id);
DROP INDEX model_prices_current;
CREATE UNIQUE INDEX model_prices_current ON model_prices (workspace_id, provider, model, effective_from) NULLS NOT DISTINCT
    WHERE superseded_at IS NULL;

-- A workspace's overrides are its data: the reader role sees the platform's rows and its caller's workspaces' overrides.
ALTER TABLE model_prices ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON model_prices FOR SELECT TO latticelock_reader
    USING (workspace_id IS NULL OR workspace_id = ANY (latticelock_workspaces()));

-- (2) Workspace keys: admins list, create and revoke the keys bound to their workspace.
CREATE INDEX idx_api_keys_workspace ON api_keys (workspace_id, created_at) WHERE workspace_id IS NOT NULL;
-- The admin or owner who made a key for another member (or made the key it was made from): the key acts only while that
-- user still manages keys in the workspace at the key user's role or above. Such keys have their own quota per
-- workspace, apart from the user's own keys.
ALTER TABLE api_keys ADD COLUMN minted_by uuid;
