-- Back to global trace ids: where two owners used one trace id, only the spans of one of them (the smallest user id) stay.
DELETE FROM spans s WHERE s.user_id::text <> (SELECT min(t.user_id::text) FROM traces t WHERE t.trace_id = s.trace_id);
DELETE FROM traces t WHERE t.user_id::text <> (SELECT min(t2.user_id::text) FROM traces t2 WHERE t2.trace_id = t.trace_id);
ALTER TABLE spans ADD COLUMN resource_attributes jsonb;
UPDATE spans s SET resource_attributes = r.attributes FROM span_resources r WHERE r.user_id = s.user_id AND r.resource_id = s.resource_id;
UPDATE spans SET resource_attributes = '{}' WHERE resource_attributes IS NULL;
ALTER TABLE spans ALTER COLUMN resource_attributes SET NOT NULL;
ALTER TABLE spans DROP CONSTRAINT spans_pkey;
ALTER TABLE spans ADD PRIMARY KEY (trace_id, span_id, started_at);
ALTER TABLE spans DROP COLUMN resource_id;
ALTER TABLE spans DROP COLUMN user_id;
DROP TABLE span_resources;
DROP INDEX traces_trace;
ALTER TABLE traces DROP CONSTRAINT traces_pkey;
ALTER TABLE traces ADD PRIMARY KEY (trace_id);
