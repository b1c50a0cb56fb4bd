DROP INDEX idx_model_requests_unpriced;
ALTER TABLE model_requests DROP COLUMN cost_source;
UPDATE model_requests SET input_cost_usd = coalesce(input_cost_usd, 0), output_cost_usd = coalesce(output_cost_usd, 0)
 WHERE input_cost_usd IS NULL OR output_cost_usd IS NULL;
ALTER TABLE model_requests
    ALTER COLUMN input_cost_usd SET DEFAULT 0,
    ALTER COLUMN input_cost_usd SET NOT NULL,
    ALTER COLUMN output_cost_usd SET DEFAULT 0,
    ALTER COLUMN output_cost_usd SET NOT NULL;
DROP TABLE model_prices;
