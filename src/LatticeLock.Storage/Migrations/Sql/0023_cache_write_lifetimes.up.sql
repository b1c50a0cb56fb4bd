-- Issue 21: cache writes priced per cache lifetime. Providers with a longer-lived prompt cache bill its writes at a
-- higher premium (a one-hour cache against the default five minutes). The long-lived writes are a part of
-- cache_write_input_tokens, priced at cache_write_1h_input_usd_per_mtok (default: the cache-write price).
ALTER TABLE model_requests ADD COLUMN cache_write_1h_input_tokens integer;
ALTER TABLE model_prices ADD COLUMN cache_write_1h_input_usd_per_mtok numeric(14,8) CHECK (cache_write_1h_input_usd_per_mtok >= 0);
