DROP TABLE external_sessions;
DROP TABLE spans;
DROP TABLE traces;
DROP FUNCTION ensure_monthly_partition(regclass, text, date);
