DROP TABLE workspace_credentials;
DROP TABLE workspace_data_keys;
