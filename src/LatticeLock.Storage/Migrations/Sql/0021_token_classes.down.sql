-- Going down keeps each model's current prices (retired rows go) and drops the token classes and price references.
ALTER TABLE model_requests
    DROP COLUMN cached_input_tokens,
    DROP COLUMN cache_write_input_tokens,
    DROP COLUMN reasoning_output_tokens,
    DROP COLUMN service_tier,
    DROP COLUMN price_id;
DELETE FROM model_prices WHERE superseded_at IS NOT NULL;
DROP INDEX model_prices_current;
ALTER TABLE model_prices
    DROP COLUMN id,
    DROP COLUMN cache_write_input_usd_per_mtok,
    DROP COLUMN reasoning_output_usd_per_mtok,
    DROP COLUMN long_context_threshold_tokens,
    DROP COLUMN long_context_input_usd_per_mtok,
    DROP COLUMN long_context_output_usd_per_mtok,
    DROP COLUMN batch_multiplier,
    DROP COLUMN flex_multiplier,
    DROP COLUMN priority_multiplier,
    DROP COLUMN superseded_at;
ALTER TABLE model_prices ADD PRIMARY KEY (provider, model, effective_from);
