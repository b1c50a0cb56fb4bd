-- Refused authentications, aggregated: one row per minute, key prefix and client address with a count, written in
-- batches off the request path (a flood of bad keys costs one upsert per second, not one insert per request).
-- '' stands for "no prefix" (missing or malformed key), so the three columns can form the primary key.
CREATE TABLE auth_failures (
    minute          timestamptz  NOT NULL,
    key_prefix      varchar(32)  NOT NULL,
    remote_address  varchar(64)  NOT NULL,
    attempts        bigint       NOT NULL CHECK (attempts > 0),
    last_reason     varchar(256) NOT NULL,
    last_user_agent varchar(512),
    PRIMARY KEY (minute, key_prefix, remote_address)
);
-- Retention deletes by time; the primary key leads with minute, so it serves that and a per-minute read.
-- Per-request failure rows are no longer written to auth_events (key creation and revocation still are).
