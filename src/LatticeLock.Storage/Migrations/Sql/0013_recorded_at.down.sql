DROP INDEX idx_model_requests_project;
ALTER TABLE model_requests RENAME COLUMN recorded_at TO created_at;
CREATE INDEX idx_model_requests_project ON model_requests (project_id, requested_at);
