-- Provider credentials per workspace (issue 23), never stored in plaintext: each secret is sealed with AES-256-GCM
-- under its workspace's data key, and each data key is sealed under the master key, which lives only in the silos'
-- configuration (LatticeLock:Secrets:MasterKey). Rotating the master key re-seals the data keys, not the secrets.
CREATE TABLE workspace_data_keys (
    workspace_id  uuid        PRIMARY KEY REFERENCES workspaces (id),
    sealed_key    bytea       NOT NULL CHECK (length(sealed_key) = 60), -- nonce (12) || ciphertext (32) || tag (16)
    master_key_id varchar(16) NOT NULL,                                 -- which master key sealed it
    created_at    timestamptz NOT NULL DEFAULT now(),
    rotated_at    timestamptz
);

CREATE TABLE workspace_credentials (
    workspace_id  uuid         NOT NULL REFERENCES workspace_data_keys (workspace_id),
    name          varchar(64)  NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    provider      varchar(64)  NOT NULL CHECK (length(provider) > 0),
    sealed_secret bytea        NOT NULL CHECK (length(sealed_secret) >= 29), -- nonce (12) || ciphertext || tag (16)
    last_four     varchar(4)   NOT NULL,
    metadata      jsonb        NOT NULL DEFAULT '{}',
    created_at    timestamptz  NOT NULL DEFAULT now(),
    rotated_at    timestamptz,
    PRIMARY KEY (workspace_id, name)
);
