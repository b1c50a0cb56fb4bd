DROP TABLE chat_turns;
DROP TABLE chats;
DROP TABLE sessions;
