DROP TABLE model_requests;
