-- Price table with history (issue 5). A request sent without costs is priced from the row in effect at its
-- requested_at; with no such row it is stored with NULL costs and cost_source 'unpriced', never rejected.
CREATE TABLE model_prices (
    provider                   varchar(256)  NOT NULL,
    model                      varchar(256)  NOT NULL,
    input_usd_per_mtok         numeric(14,8) NOT NULL CHECK (input_usd_per_mtok >= 0),
    output_usd_per_mtok        numeric(14,8) NOT NULL CHECK (output_usd_per_mtok >= 0),
    cached_input_usd_per_mtok  numeric(14,8) CHECK (cached_input_usd_per_mtok >= 0),
    effective_from             timestamptz   NOT NULL,
    created_at                 timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model, effective_from)
);

ALTER TABLE model_requests
    ALTER COLUMN input_cost_usd DROP NOT NULL,
    ALTER COLUMN input_cost_usd DROP DEFAULT,
    ALTER COLUMN output_cost_usd DROP NOT NULL,
    ALTER COLUMN output_cost_usd DROP DEFAULT,
    ADD COLUMN cost_source varchar(16) NOT NULL DEFAULT 'client' CHECK (cost_source IN ('client', 'price_table', 'unpriced'));
CREATE INDEX idx_model_requests_unpriced ON model_requests (requested_at) WHERE cost_source = 'unpriced';
