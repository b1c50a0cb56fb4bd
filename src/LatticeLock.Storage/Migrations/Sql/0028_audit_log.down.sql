DROP TABLE audit_logs;
DROP FUNCTION refuse_audit_log_change();
