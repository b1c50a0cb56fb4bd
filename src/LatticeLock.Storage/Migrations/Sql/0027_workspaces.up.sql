-- Workspaces (issue 23): teams share what lives in a workspace under roles. Every user has a personal workspace whose
-- id is the user's own id (made here for existing users, and with each new user), so data owned by a user today
-- belongs to that user's personal workspace without a lookup.
CREATE TABLE workspaces (
    id           uuid         PRIMARY KEY,
    name         varchar(200) NOT NULL CHECK (length(name) > 0),
    slug         varchar(64)  NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
    personal_of  uuid         UNIQUE REFERENCES users (id),
    version      integer      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
-- A slug names one live workspace.
CREATE UNIQUE INDEX ux_workspaces_slug ON workspaces (slug) WHERE deleted_at IS NULL;

CREATE TABLE workspace_members (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id),
    user_id      uuid        NOT NULL REFERENCES users (id),
    role         varchar(16) NOT NULL CHECK (role IN ('viewer', 'member', 'admin', 'owner')),
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);
-- A user's workspaces (GET /v1/workspaces, and every authorization of a key that is bound to none).
CREATE INDEX ix_workspace_members_user ON workspace_members (user_id);

INSERT INTO workspaces (id, name, slug, personal_of, created_at, updated_at)
SELECT id, 'Personal', 'u-' || replace(id::text, '-', ''), id, created_at, created_at FROM users;
INSERT INTO workspace_members (workspace_id, user_id, role, added_at)
SELECT id, id, 'owner', created_at FROM users;
