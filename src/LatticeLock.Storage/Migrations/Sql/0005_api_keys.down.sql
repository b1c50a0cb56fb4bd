DROP TABLE auth_events;
DROP TABLE api_keys;
