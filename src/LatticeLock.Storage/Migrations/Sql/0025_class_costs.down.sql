ALTER TABLE cost_aggregations
    DROP COLUMN total_cached_input_cost_usd,
    DROP COLUMN total_cache_write_input_cost_usd,
    DROP COLUMN total_reasoning_output_cost_usd;
