-- Issue 20: analytics of a non-admin key read only the caller's rows, through an index that names the owner, instead
-- of every user's rows of the window (GET /v1/analytics/models with a user scope; the cost analytics read
-- cost_aggregations, already indexed by user).
CREATE INDEX idx_model_requests_owner ON model_requests (user_id, requested_at);
