-- Issue 20: live budget reservations get a table of their own, written through ConfirmedCommit like every other
-- acknowledged write (a reservation granted while the synchronous standby is gone is 503, never lost on failover).
-- They were the last Orleans grain state (OrleansStorage, grain type 'project', plain camelCase JSON); the ones still
-- live move here, and those rows go.
CREATE TABLE budget_reservations (
    project_id         uuid          NOT NULL,
    id                 uuid          NOT NULL,
    estimated_cost_usd numeric(12,8) NOT NULL CHECK (estimated_cost_usd > 0),
    granted_at         timestamptz,                -- null only for reservations moved from grain state written before it existed
    expires_at         timestamptz   NOT NULL,
    PRIMARY KEY (project_id, id)
);

-- The project id from Orleans' ADO.NET key columns: GrainIdN0 and GrainIdN1 are the two little-endian halves of the
-- Guid's byte form (Data1 and Data2/Data3 in N0, Data4's bytes in N1's byte order).
INSERT INTO budget_reservations (project_id, id, estimated_cost_usd, granted_at, expires_at)
SELECT (lpad(to_hex(s.grainidn0 & 4294967295), 8, '0') || '-' ||
        lpad(to_hex((s.grainidn0 >> 32) & 65535), 4, '0') || '-' ||
        lpad(to_hex((s.grainidn0 >> 48) & 65535), 4, '0') || '-' ||
        lpad(to_hex(s.grainidn1 & 255), 2, '0') || lpad(to_hex((s.grainidn1 >> 8) & 255), 2, '0') || '-' ||
        lpad(to_hex((s.grainidn1 >> 16) & 255), 2, '0') || lpad(to_hex((s.grainidn1 >> 24) & 255), 2, '0') ||
        lpad(to_hex((s.grainidn1 >> 32) & 255), 2, '0') || lpad(to_hex((s.grainidn1 >> 40) & 255), 2, '0') ||
        lpad(to_hex((s.grainidn1 >> 48) & 255), 2, '0') || lpad(to_hex((s.grainidn1 >> 56) & 255), 2, '0'))::uuid,
       (r->>'id')::uuid, (r->>'estimatedCostUsd')::numeric, (r->>'grantedAt')::timestamptz, (r->>'expiresAt')::timestamptz
FROM orleansstorage s
CROSS JOIN LATERAL jsonb_array_elements(coalesce(convert_from(s.payloadbinary, 'UTF8'), s.payloadjson)::jsonb -> 'reservations') r
WHERE s.graintypestring = 'project'
  AND (r->>'expiresAt')::timestamptz > now()
ON CONFLICT DO NOTHING;
DELETE FROM orleansstorage WHERE graintypestring = 'project';
