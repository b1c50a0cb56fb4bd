-- Projects, sessions and keys live in a workspace (issue 23). Every existing project and session moves into its owner's
-- personal workspace (whose id is the owner's id, migration 27); a session of a project goes where its project goes.
-- Everything reached through a session (chats, turns, model requests, traces of the session) follows its session.
-- A user written without the registrar (by hand, or restored from an old dump) gets the personal workspace it lacks.
INSERT INTO workspaces (id, name, slug, personal_of, created_at, updated_at)
SELECT u.id, 'Personal', 'u-' || replace(u.id::text, '-', ''), u.id, u.created_at, u.created_at FROM users u
WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.id);
INSERT INTO workspace_members (workspace_id, user_id, role, added_at)
SELECT u.id, u.id, 'owner', u.created_at FROM users u
WHERE NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = u.id AND m.user_id = u.id)
  AND EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.id AND w.personal_of = u.id);
ALTER TABLE projects ADD COLUMN workspace_id uuid REFERENCES workspaces (id);
UPDATE projects SET workspace_id = owner_id;
ALTER TABLE projects ALTER COLUMN workspace_id SET NOT NULL;
CREATE INDEX ix_projects_workspace ON projects (workspace_id);

ALTER TABLE sessions ADD COLUMN workspace_id uuid REFERENCES workspaces (id);
UPDATE sessions s SET workspace_id = coalesce((SELECT p.workspace_id FROM projects p WHERE p.id = s.project_id), s.user_id);
ALTER TABLE sessions ALTER COLUMN workspace_id SET NOT NULL;
CREATE INDEX ix_sessions_workspace ON sessions (workspace_id, started_at);

-- A key bound to a workspace acts only there; null: in every workspace of its user.
ALTER TABLE api_keys ADD COLUMN workspace_id uuid REFERENCES workspaces (id);
