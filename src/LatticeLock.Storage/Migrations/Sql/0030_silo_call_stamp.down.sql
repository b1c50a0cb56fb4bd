DELETE FROM deployment_keys WHERE name = 'silo_calls';
