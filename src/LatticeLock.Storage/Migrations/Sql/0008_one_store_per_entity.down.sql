-- Back to version 7. The grain-state copies removed by the up step are not needed by version 7's grains: each
-- rebuilds its state from the row when no copy exists.
ALTER TABLE sessions DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
