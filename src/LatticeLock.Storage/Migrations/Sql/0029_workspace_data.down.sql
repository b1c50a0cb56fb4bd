ALTER TABLE api_keys DROP COLUMN workspace_id;
ALTER TABLE sessions DROP COLUMN workspace_id;
ALTER TABLE projects DROP COLUMN workspace_id;
