DROP INDEX idx_model_requests_owner;
