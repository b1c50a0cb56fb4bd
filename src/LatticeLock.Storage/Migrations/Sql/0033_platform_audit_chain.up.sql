-- The platform's own audit chain (issue 23): what belongs to no workspace (model prices, an operator's every request
-- with an `admin` key) is chained in the platform workspace, a fixed id (the nil UUID is refused as an id everywhere).
-- It has no members; operators read it.
-- Its slug carries the prefix reserved for personal workspaces, which no user's id can take.
INSERT INTO workspaces (id, name, slug)
VALUES ('00000000-0000-0000-0000-000000000001', 'Platform', 'u-00000000000000000000000000000001')
ON CONFLICT (id) DO NOTHING;
