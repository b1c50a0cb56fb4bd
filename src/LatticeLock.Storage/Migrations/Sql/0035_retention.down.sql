DROP TABLE retention_passes;
DROP INDEX idx_traces_workspace;
ALTER TABLE chats DROP COLUMN expired_through_seq;
DROP INDEX idx_model_requests_workspace;
ALTER TABLE workspaces
    DROP COLUMN retention_chat_turns_days,
    DROP COLUMN retention_spans_days,
    DROP COLUMN retention_model_requests_days;
