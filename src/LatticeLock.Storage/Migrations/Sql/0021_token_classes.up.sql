-- Issue 21: token classes priced as providers bill them, and the price row each priced request used.
-- Price rows become immutable: each has an id; setting a price at an existing effective date inserts a new row and
-- retires the old one (superseded_at), so a request's price_id always names the prices it was computed from.
ALTER TABLE model_prices DROP CONSTRAINT model_prices_pkey;
ALTER TABLE model_prices
    ADD COLUMN id                               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ADD COLUMN cache_write_input_usd_per_mtok   numeric(14,8) CHECK (cache_write_input_usd_per_mtok >= 0),
    ADD COLUMN reasoning_output_usd_per_mtok    numeric(14,8) CHECK (reasoning_output_usd_per_mtok >= 0),
    ADD COLUMN long_context_threshold_tokens    integer       CHECK (long_context_threshold_tokens > 0),
    ADD COLUMN long_context_input_usd_per_mtok  numeric(14,8) CHECK (long_context_input_usd_per_mtok >= 0),
    ADD COLUMN long_context_output_usd_per_mtok numeric(14,8) CHECK (long_context_output_usd_per_mtok >= 0),
    ADD COLUMN batch_multiplier                 numeric(8,4)  CHECK (batch_multiplier >= 0),
    ADD COLUMN flex_multiplier                  numeric(8,4)  CHECK (flex_multiplier >= 0),
    ADD COLUMN priority_multiplier              numeric(8,4)  CHECK (priority_multiplier >= 0),
    ADD COLUMN superseded_at                    timestamptz;
CREATE UNIQUE INDEX model_prices_current ON model_prices (provider, model, effective_from) WHERE superseded_at IS NULL;

-- Parts of the totals (null: none reported), the tier (null: standard) and the price row used (price_table costs).
-- All null for a request that reports no classes, so they cost the lean log a null bitmap bit each.
ALTER TABLE model_requests
    ADD COLUMN cached_input_tokens      integer,
    ADD COLUMN cache_write_input_tokens integer,
    ADD COLUMN reasoning_output_tokens  integer,
    ADD COLUMN service_tier             varchar(16) CHECK (service_tier IN ('standard', 'batch', 'flex', 'priority')),
    ADD COLUMN price_id                 bigint;
