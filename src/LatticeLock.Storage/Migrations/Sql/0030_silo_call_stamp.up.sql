-- The stamp silos put on the grain calls they make (issue 23): a call without it comes from a client and is
-- authorized by the API key it carries. Made here once from the server's random source, the same for every silo.
INSERT INTO deployment_keys (name, key)
VALUES ('silo_calls', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
