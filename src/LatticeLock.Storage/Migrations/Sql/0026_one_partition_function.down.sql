-- Back to migration 25: the per-table functions of migrations 7 and 9, and the shared one without generated columns.
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
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
    EXECUTE format(
        'WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        base || '_default', key_column, lo, key_column, hi, cols, part, cols, cols);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
    RETURN true;
END;
$$;

CREATE FUNCTION ensure_model_requests_partition(month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    next_day  date := (date_trunc('month', month) + interval '1 month')::date;
    lo        timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    hi        timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    part      text := format('model_requests_%s', to_char(first_day, 'YYYY_MM'));
    cols      text;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('model_requests_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = 'model_requests'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('CREATE TABLE %I (LIKE model_requests INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)', part);
    -- Rows that landed in the default partition for this month move into the new one before it is attached.
    EXECUTE format(
        'WITH moved AS (DELETE FROM model_requests_default WHERE requested_at >= %L AND requested_at < %L RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        lo, hi, cols, part, cols, cols);
    EXECUTE format('ALTER TABLE model_requests ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END;
$$;

CREATE FUNCTION ensure_metric_points_partition(month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    next_day  date := (date_trunc('month', month) + interval '1 month')::date;
    lo        timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    hi        timestamptz := next_day::timestamp AT TIME ZONE 'UTC';
    part      text := format('metric_points_%s', to_char(first_day, 'YYYY_MM'));
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('metric_points_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE metric_points INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    -- Rows that landed in the default partition for this month move into the new one before it is attached.
    EXECUTE format(
        'WITH moved AS (DELETE FROM metric_points_default WHERE time >= %L AND time < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        lo, hi, part);
    EXECUTE format('ALTER TABLE metric_points ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        part, lo, hi);
    RETURN true;
END;
$$;
