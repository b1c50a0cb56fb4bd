-- The tamper-evident audit log (issue 23): one hash chain per workspace, hash = SHA-256(prev_hash || canonical row),
-- computed by the silo (LatticeLock.Storage.Audit.AuditHash). Append-only: UPDATE, DELETE and TRUNCATE are refused by
-- triggers; a superuser who disables them is caught by `lattice audit verify`.
CREATE TABLE audit_logs (
    workspace_id  uuid         NOT NULL REFERENCES workspaces (id),
    seq           bigint       NOT NULL CHECK (seq >= 1),
    at            timestamptz  NOT NULL,
    actor_user_id uuid,
    actor_key_id  uuid,
    action        varchar(64)  NOT NULL,
    resource_type varchar(32)  NOT NULL,
    resource_id   text         NOT NULL,
    changes       jsonb        NOT NULL,
    ip            varchar(64),
    user_agent    varchar(512),
    status        smallint     NOT NULL,
    prev_hash     bytea        NOT NULL CHECK (length(prev_hash) = 32),
    hash          bytea        NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX ix_audit_logs_at ON audit_logs (workspace_id, at);

CREATE FUNCTION refuse_audit_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_change();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_log_change();
