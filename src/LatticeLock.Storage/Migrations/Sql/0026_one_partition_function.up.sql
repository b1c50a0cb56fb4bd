-- One SQL function for every monthly-partitioned table (model_requests, spans, metric_points):
-- ensure_monthly_partition(parent, key_column, month) creates PARENT_YYYY_MM for the month containing `month`, moving
-- that month's rows out of PARENT_default first; false when it already existed. It now copies generated columns too
-- (model_requests has them), so the two per-table copies from migrations 7 and 9 go. The advisory lock key is the one
-- they used (hashtext(parent || '_partitions')), so an old silo and a new one never create the same partition twice.
CREATE OR REPLACE FUNCTION ensure_monthly_partition(parent regclass, key_column text, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    next_day  date := (date_trunc('month', month) + interval '1 month')::date;
    lo        timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    hi        timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    base      text := parent::text;
    part      text := format('%s_%s', parent::text, to_char(first_day, 'YYYY_MM'));
    cols      text;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(base || '_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)', part, parent);
    EXECUTE format(
        'WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        base || '_default', key_column, lo, key_column, hi, cols, part, cols, cols);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
    RETURN true;
END;
$$;

DROP FUNCTION ensure_model_requests_partition(date);
DROP FUNCTION ensure_metric_points_partition(date);
