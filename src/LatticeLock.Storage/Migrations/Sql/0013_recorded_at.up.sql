-- Budgets count spend by when we recorded a request, not by the client's requested_at (which decides the partition and
-- what analytics show): a request dated last month, recorded now, is this month's spend and can raise this month's
-- alerts. The column was always the server's commit time (DEFAULT now()); its name now says so.
ALTER TABLE model_requests RENAME COLUMN created_at TO recorded_at;
--   budget spend of a project in a month, and reservations settled since a time (BudgetRepository): (project_id, recorded_at)
DROP INDEX idx_model_requests_project;
CREATE INDEX idx_model_requests_project ON model_requests (project_id, recorded_at);
