-- The platform chain's rows go with it: the append-only trigger is set aside for this one delete.
ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only;
DELETE FROM audit_logs WHERE workspace_id = '00000000-0000-0000-0000-000000000001';
ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only;
DELETE FROM workspaces WHERE id = '00000000-0000-0000-0000-000000000001';
