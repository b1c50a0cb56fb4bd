-- API keys (seeds 002, 003) and the authentication audit trail. Only a SHA-256 of each key is stored.
CREATE TABLE api_keys (
    id            uuid         PRIMARY KEY,
    user_id       uuid         NOT NULL REFERENCES users (id),
    name          varchar(256) NOT NULL,
    prefix        varchar(32)  NOT NULL,
    key_hash      bytea        NOT NULL CHECK (length(key_hash) = 32),
    scopes        text[]       NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE UNIQUE INDEX ux_api_keys_prefix ON api_keys (prefix);
CREATE INDEX ix_api_keys_user ON api_keys (user_id, created_at);

CREATE TABLE auth_events (
    id              bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_prefix      varchar(32),
    user_id         uuid,
    outcome         varchar(16)  NOT NULL CHECK (outcome IN ('success', 'failure', 'created', 'revoked')),
    reason          varchar(256),
    remote_address  varchar(64),
    user_agent      varchar(512),
    occurred_at     timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX ix_auth_events_occurred_at ON auth_events (occurred_at);
CREATE INDEX ix_auth_events_key_prefix ON auth_events (key_prefix, occurred_at);
