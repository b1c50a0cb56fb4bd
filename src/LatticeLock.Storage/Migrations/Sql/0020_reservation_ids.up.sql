-- Reservations are idempotent by a client id (the body's id, or one derived from the Idempotency-Key header): the row
-- of a reservation that ended (settled or released: ended_at; expired: expires_at passed) stays for two days, so a
-- retry with its id is answered 409 instead of holding the budget a second time. Live rows have ended_at null.
ALTER TABLE budget_reservations ADD COLUMN ended_at timestamptz;
