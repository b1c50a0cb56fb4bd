DROP INDEX ux_chat_turns_turn_id;
ALTER TABLE chat_turns DROP COLUMN turn_id;
