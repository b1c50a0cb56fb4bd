-- Issue 20: a trace id belongs to the owner that sent it, not to whoever sent it first. Two owners exporting the same
-- W3C trace id (a `traceparent` seen downstream, a copied header) each get a trace of their own; nobody can claim,
-- block or read another owner's. Resources are stored once per owner (keyed by a hash of their attributes) and
-- referenced by every span of them, instead of being copied into each span row.

ALTER TABLE traces DROP CONSTRAINT traces_pkey;
ALTER TABLE traces ADD PRIMARY KEY (user_id, trace_id);
-- An admin reading a trace id without naming its owner.
CREATE INDEX traces_trace ON traces (trace_id);

-- A resource (service name, host, SDK, ...) of an owner: stored once, whatever number of spans share it.
CREATE TABLE span_resources (
    user_id     uuid        NOT NULL,
    resource_id bytea       NOT NULL CHECK (length(resource_id) = 32), -- SHA-256 of the attributes' JSON text
    attributes  jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, resource_id)
);

ALTER TABLE spans ADD COLUMN user_id uuid;
ALTER TABLE spans ADD COLUMN resource_id bytea;
UPDATE spans s SET user_id = t.user_id FROM traces t WHERE t.trace_id = s.trace_id;
-- A span whose trace row is missing cannot be attributed to anyone; none should exist (both commit together).
DELETE FROM spans WHERE user_id IS NULL;
INSERT INTO span_resources (user_id, resource_id, attributes)
SELECT DISTINCT ON (user_id, sha256(convert_to(resource_attributes::text, 'UTF8')))
       user_id, sha256(convert_to(resource_attributes::text, 'UTF8')), resource_attributes
FROM spans
ON CONFLICT DO NOTHING;
UPDATE spans SET resource_id = sha256(convert_to(resource_attributes::text, 'UTF8'));
ALTER TABLE spans ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE spans ALTER COLUMN resource_id SET NOT NULL;
ALTER TABLE spans DROP COLUMN resource_attributes;
ALTER TABLE spans DROP CONSTRAINT spans_pkey;
ALTER TABLE spans ADD PRIMARY KEY (user_id, trace_id, span_id, started_at);
