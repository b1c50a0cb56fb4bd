-- Chat turns become idempotent by a client turn id: a retried append finds the stored turn (and its seq) instead of
-- appending it again. Turns stored before, or sent without an id, have none.
ALTER TABLE chat_turns ADD COLUMN turn_id uuid;
CREATE UNIQUE INDEX ux_chat_turns_turn_id ON chat_turns (chat_id, turn_id) WHERE turn_id IS NOT NULL;
