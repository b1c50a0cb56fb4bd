-- One store per entity: the users, sessions, chats and projects rows are the grains' state. Users and sessions get
-- the version column projects already had, so a write from a stale activation (Orleans can briefly have two during
-- membership changes) matches no row instead of overwriting. Chats are never updated; their turns are guarded by
-- the (chat_id, seq) key.
ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE sessions ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);

-- The JSON copies of user, session and chat state in Orleans grain storage go: their rows were always written first
-- and every grain already preferred a newer row, so the rows hold everything the copies did. Project copies stay:
-- state name 'project' now holds only the live budget reservations, which have no table of their own.
DELETE FROM OrleansStorage WHERE GrainTypeString IN ('user', 'session', 'chat');
