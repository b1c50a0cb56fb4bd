DROP TABLE deployment_keys;
ALTER TABLE model_requests DROP COLUMN payload_hash;
