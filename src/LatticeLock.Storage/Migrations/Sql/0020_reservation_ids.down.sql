DELETE FROM budget_reservations WHERE ended_at IS NOT NULL;
ALTER TABLE budget_reservations DROP COLUMN ended_at;
