-- Issue 23, continued. (1) Model requests, traces, cost aggregates and metric points carry their workspace: a request's
-- is its session's; a trace's is its session's, else the workspace of the key that sent it (for rows stored before
-- this migration: the owner's personal workspace, whose id is the owner's id); an aggregate's is its project's, else
-- its user's personal workspace (before this migration a session without a project lived there).
-- (2) Row-level security as a second wall under the gateway's checks: the silo's read paths switch to the role
-- latticelock_reader (no BYPASSRLS) per transaction and name the workspaces the caller may read in the setting
-- latticelock.workspaces (LatticeLock.Storage.ReadOnlyDataSource); every table holding workspace data lets that role
-- see only rows of those workspaces. The silo's own role owns the tables, so RLS does not apply to it: the logs write
-- at full speed, and grains load their own state by id after the gateway authorized the call.
ALTER TABLE model_requests ADD COLUMN workspace_id uuid;
UPDATE model_requests m SET workspace_id = coalesce((SELECT s.workspace_id FROM sessions s WHERE s.id = m.session_id), m.user_id);
-- No index on it: nothing reads requests by workspace alone (analytics read cost_aggregations), and every index
-- costs the request log's COPY.

ALTER TABLE traces ADD COLUMN workspace_id uuid;
UPDATE traces t SET workspace_id = coalesce((SELECT s.workspace_id FROM sessions s WHERE s.id = t.session_id), t.user_id);
ALTER TABLE traces ALTER COLUMN workspace_id SET NOT NULL;

ALTER TABLE metric_points ADD COLUMN workspace_id uuid;
UPDATE metric_points p SET workspace_id = coalesce((SELECT s.workspace_id FROM sessions s WHERE s.id = p.session_id), p.user_id);

ALTER TABLE cost_aggregations ADD COLUMN workspace_id uuid;
UPDATE cost_aggregations a SET workspace_id = coalesce((SELECT p.workspace_id FROM projects p WHERE p.id = a.project_id), a.user_id);
ALTER TABLE cost_aggregations DROP CONSTRAINT cost_aggregations_group_key;
ALTER TABLE cost_aggregations ADD CONSTRAINT cost_aggregations_group_key
    UNIQUE NULLS NOT DISTINCT (aggregation_date, workspace_id, user_id, project_id, provider, model_id, task_type, service_tier);
CREATE INDEX idx_cost_agg_workspace ON cost_aggregations (workspace_id, aggregation_date);

-- The reader role is cluster-wide (one per PostgreSQL cluster, shared by every LatticeLock database in it).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'latticelock_reader') THEN
        CREATE ROLE latticelock_reader NOLOGIN NOBYPASSRLS NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database's migration created it meanwhile
END;
$$;
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'latticelock_reader', 'MEMBER') THEN
        EXECUTE format('GRANT latticelock_reader TO %I', current_user);
    END IF;
END;
$$;

-- The workspaces the current transaction may read: set by the read path, empty when unset (so a reader sees nothing).
CREATE FUNCTION latticelock_workspaces() RETURNS uuid[]
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('latticelock.workspaces', true), ''), '{}')::uuid[] $$;

GRANT USAGE ON SCHEMA public TO latticelock_reader;
-- Partitions are not granted: a reader reaches rows only through their parent table, where the policies are. Not
-- workspace data, so without a policy: prices, and the request id registry (an id and its time, which lead nowhere).
GRANT SELECT ON workspaces, workspace_members, users, projects, sessions, chats, chat_turns, model_requests, traces, spans,
    span_resources, external_sessions, cost_aggregations, metric_points, project_budgets, alert_events, budget_reservations,
    project_errors, audit_logs, workspace_credentials, model_prices, model_request_ids TO latticelock_reader;

-- Tables holding workspace_id (workspaces: its own id).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspace_members', 'projects', 'sessions', 'model_requests', 'traces', 'cost_aggregations',
        'metric_points', 'audit_logs', 'workspace_credentials'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY workspace_read ON %I FOR SELECT TO latticelock_reader '
                       'USING (workspace_id = ANY (latticelock_workspaces()))', t);
    END LOOP;
END;
$$;
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON workspaces FOR SELECT TO latticelock_reader USING (id = ANY (latticelock_workspaces()));
-- Rows reached through a parent: visible when the parent is (the parent's own policy applies inside the subquery).
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON users FOR SELECT TO latticelock_reader
    USING (EXISTS (SELECT 1 FROM workspace_members m WHERE m.user_id = users.id));
ALTER TABLE chats ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON chats FOR SELECT TO latticelock_reader
    USING (EXISTS (SELECT 1 FROM sessions s WHERE s.id = chats.session_id));
ALTER TABLE chat_turns ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON chat_turns FOR SELECT TO latticelock_reader
    USING (EXISTS (SELECT 1 FROM chats c WHERE c.id = chat_turns.chat_id));
ALTER TABLE external_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON external_sessions FOR SELECT TO latticelock_reader
    USING (EXISTS (SELECT 1 FROM sessions s WHERE s.id = external_sessions.session_id));
ALTER TABLE spans ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON spans FOR SELECT TO latticelock_reader
    USING (EXISTS (SELECT 1 FROM traces t WHERE t.user_id = spans.user_id AND t.trace_id = spans.trace_id));
ALTER TABLE span_resources ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON span_resources FOR SELECT TO latticelock_reader
    USING (EXISTS (SELECT 1 FROM spans s WHERE s.user_id = span_resources.user_id AND s.resource_id = span_resources.resource_id));
-- A project's budget, alerts, reservations and errors: visible with their project.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['project_budgets', 'alert_events', 'budget_reservations', 'project_errors'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY workspace_read ON %1$I FOR SELECT TO latticelock_reader '
                       'USING (EXISTS (SELECT 1 FROM projects p WHERE p.id = %1$I.project_id))', t);
    END LOOP;
END;
$$;
