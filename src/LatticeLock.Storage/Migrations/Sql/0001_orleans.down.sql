DROP TABLE OrleansRemindersTable;
DROP FUNCTION orleans_storage_write(integer, bigint, bigint, integer, varchar, varchar, varchar, integer, bytea, text, xml);
DROP TABLE OrleansStorage;
DROP FUNCTION orleans_membership_update(varchar, varchar, integer, integer, integer, varchar, timestamptz, integer);
DROP FUNCTION orleans_membership_insert(varchar, varchar, integer, integer, varchar, varchar, integer, integer, timestamptz, timestamptz, integer);
DROP FUNCTION orleans_membership_version_insert(varchar);
DROP TABLE OrleansMembershipTable;
DROP TABLE OrleansMembershipVersionTable;
DROP TABLE OrleansQuery;
