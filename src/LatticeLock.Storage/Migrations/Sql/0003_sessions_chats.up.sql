-- Sessions, chats and their append-only turns (seed 000, gaps 1 and 2).
CREATE TABLE sessions (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id),
    project_id  uuid        REFERENCES projects (id),
    status      varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_sessions_user ON sessions (user_id, started_at);
CREATE INDEX ix_sessions_project ON sessions (project_id, started_at);
CREATE INDEX ix_sessions_status ON sessions (status);

CREATE TABLE chats (
    id          uuid         PRIMARY KEY,
    session_id  uuid         NOT NULL REFERENCES sessions (id),
    title       varchar(256),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX ix_chats_session ON chats (session_id, created_at);

-- One row per turn, never updated: appending turn N costs the same as appending turn 1.
CREATE TABLE chat_turns (
    chat_id       uuid         NOT NULL REFERENCES chats (id),
    seq           bigint       NOT NULL CHECK (seq >= 1),
    role          varchar(16)  NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content       text         NOT NULL,
    model         varchar(256),
    provider      varchar(256),
    input_tokens  integer      CHECK (input_tokens >= 0),
    output_tokens integer      CHECK (output_tokens >= 0),
    created_at    timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, seq)
);
CREATE INDEX ix_chat_turns_created_at ON chat_turns (created_at);
