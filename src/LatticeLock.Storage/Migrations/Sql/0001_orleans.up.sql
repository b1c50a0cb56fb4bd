-- Orleans 10.4.2 ADO.NET providers (clustering, grain persistence, reminders) on PostgreSQL.
-- The NuGet packages ship no SQL, so this is LatticeLock's own implementation of the providers' contract:
-- the providers look up their statements by QueryKey in OrleansQuery, bind @Name parameters and read result
-- columns by name. Table names, column names, query keys, parameter names and result columns are that contract;
-- everything else (function names, locking approach) is ours.

CREATE TABLE OrleansQuery (
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

------------------------------------------------------------------------------------------------------------------
-- Clustering: one version row per deployment (cluster id) and one row per silo incarnation.
------------------------------------------------------------------------------------------------------------------
CREATE TABLE OrleansMembershipVersionTable (
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE OrleansMembershipTable (
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Returns 1 when the version row was created, 0 when it already existed.
CREATE FUNCTION orleans_membership_version_insert(p_deployment varchar)
RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS $body$
DECLARE
    affected integer;
BEGIN
    INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (p_deployment)
    ON CONFLICT (DeploymentId) DO NOTHING;
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN QUERY SELECT affected;
END
$body$;

-- Adds a silo row and bumps the table version, both or neither: the version must still be the one the caller read.
CREATE FUNCTION orleans_membership_insert(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer, p_silo_name varchar,
    p_host_name varchar, p_status integer, p_proxy_port integer, p_start_time timestamptz,
    p_i_am_alive timestamptz, p_version integer)
RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS $body$
DECLARE
    affected integer;
BEGIN
    BEGIN
        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        VALUES
            (p_deployment, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, p_proxy_port, p_start_time, p_i_am_alive)
        ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RETURN QUERY SELECT 0;
            RETURN;
        END IF;

        UPDATE OrleansMembershipVersionTable
           SET Version = Version + 1, Timestamp = now()
         WHERE DeploymentId = p_deployment AND Version = p_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RAISE SQLSTATE 'LLM01'; -- stale version: undo the insert above
        END IF;
        RETURN QUERY SELECT 1;
    EXCEPTION WHEN SQLSTATE 'LLM01' THEN
        RETURN QUERY SELECT 0;
    END;
END
$body$;

-- Changes a silo row and bumps the table version, both or neither.
CREATE FUNCTION orleans_membership_update(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer, p_status integer,
    p_suspect_times varchar, p_i_am_alive timestamptz, p_version integer)
RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS $body$
DECLARE
    affected integer;
BEGIN
    BEGIN
        UPDATE OrleansMembershipVersionTable
           SET Version = Version + 1, Timestamp = now()
         WHERE DeploymentId = p_deployment AND Version = p_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RETURN QUERY SELECT 0;
            RETURN;
        END IF;

        UPDATE OrleansMembershipTable
           SET Status = p_status, SuspectTimes = p_suspect_times, IAmAliveTime = p_i_am_alive
         WHERE DeploymentId = p_deployment AND Address = p_address AND Port = p_port AND Generation = p_generation;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RAISE SQLSTATE 'LLM01'; -- no such silo row: undo the version bump
        END IF;
        RETURN QUERY SELECT 1;
    EXCEPTION WHEN SQLSTATE 'LLM01' THEN
        RETURN QUERY SELECT 0;
    END;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey',
 'SELECT row_count FROM orleans_membership_version_insert(@DeploymentId)'),
('InsertMembershipKey',
 'SELECT row_count FROM orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)'),
('UpdateMembershipKey',
 'SELECT row_count FROM orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version)'),
('UpdateIAmAlivetimeKey',
 'UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime
   WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation'),
('MembershipReadRowKey',
 'SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
         m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
      ON m.DeploymentId = v.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
   WHERE v.DeploymentId = @DeploymentId'),
('MembershipReadAllKey',
 'SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
         m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
   WHERE v.DeploymentId = @DeploymentId'),
('DeleteMembershipTableEntriesKey',
 'DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
  DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId'),
('GatewaysQueryKey',
 'SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
   WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0'),
-- Dead (6) rows whose last heartbeat is older than the cut-off.
('CleanupDefunctSiloEntriesKey',
 'DELETE FROM OrleansMembershipTable
   WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status = 6'),
-- One Dead row, only if it still holds exactly the values the caller saw.
('CleanupDefunctSiloEntryKey',
 'DELETE FROM OrleansMembershipTable
   WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
     AND Status = 6 AND IAmAliveTime = @IAmAliveTime AND StartTime = @StartTime
     AND SuspectTimes IS NOT DISTINCT FROM CAST(@SuspectTimes AS varchar)');

------------------------------------------------------------------------------------------------------------------
-- Grain persistence: one row per (service, grain type, grain id), guarded by an integer version (the ETag).
------------------------------------------------------------------------------------------------------------------
CREATE TABLE OrleansStorage (
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    PayloadXml             xml          NULL,
    PayloadJson            text         NULL,
    ModifiedOn             timestamp    NOT NULL,
    Version                integer      NULL
);
CREATE INDEX IX_OrleansStorage ON OrleansStorage (GrainIdHash, GrainTypeHash);

-- Writes a state. With a version: update only if the stored version matches. Without: insert only if no row exists.
-- Returns the new version, or the version passed in when nothing was written (Orleans then raises an
-- InconsistentStateException). Orleans 10 sends only the binary payload; the JSON/XML columns stay for older rows.
CREATE FUNCTION orleans_storage_write(
    p_id_hash integer, p_id_n0 bigint, p_id_n1 bigint, p_type_hash integer, p_type varchar, p_id_ext varchar,
    p_service varchar, p_version integer, p_binary bytea, p_json text, p_xml xml)
RETURNS TABLE (NewGrainStateVersion integer) LANGUAGE plpgsql AS $body$
DECLARE
    affected integer;
BEGIN
    IF p_version IS NOT NULL THEN
        UPDATE OrleansStorage
           SET PayloadBinary = p_binary, PayloadJson = p_json, PayloadXml = p_xml,
               ModifiedOn = (now() AT TIME ZONE 'utc'), Version = Version + 1
         WHERE GrainIdHash = p_id_hash AND GrainTypeHash = p_type_hash AND GrainIdN0 = p_id_n0 AND GrainIdN1 = p_id_n1
           AND GrainTypeString = p_type AND GrainIdExtensionString IS NOT DISTINCT FROM p_id_ext
           AND ServiceId = p_service AND Version = p_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN affected > 0 THEN p_version + 1 ELSE p_version END;
        RETURN;
    END IF;

    -- First write of this grain: serialise concurrent first writers (split brain) on the grain's hash.
    PERFORM pg_advisory_xact_lock(p_type_hash, p_id_hash);
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
         PayloadBinary, PayloadJson, PayloadXml, ModifiedOn, Version)
    SELECT p_id_hash, p_id_n0, p_id_n1, p_type_hash, p_type, p_id_ext, p_service, p_binary, p_json, p_xml,
           (now() AT TIME ZONE 'utc'), 1
     WHERE NOT EXISTS (
        SELECT 1 FROM OrleansStorage
         WHERE GrainIdHash = p_id_hash AND GrainTypeHash = p_type_hash AND GrainIdN0 = p_id_n0 AND GrainIdN1 = p_id_n1
           AND GrainTypeString = p_type AND GrainIdExtensionString IS NOT DISTINCT FROM p_id_ext
           AND ServiceId = p_service);
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN QUERY SELECT CASE WHEN affected > 0 THEN 1 ELSE NULL::integer END;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey',
 'SELECT NewGrainStateVersion FROM orleans_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
         @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary, NULL, NULL)'),
('ReadFromStorageKey',
 'SELECT PayloadBinary, PayloadXml, PayloadJson, (now() AT TIME ZONE ''utc''), Version
    FROM OrleansStorage
   WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
     AND GrainTypeString = @GrainTypeString
     AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar)
     AND ServiceId = @ServiceId'),
('ClearStorageKey',
 'UPDATE OrleansStorage
     SET PayloadBinary = NULL, PayloadJson = NULL, PayloadXml = NULL, Version = Version + 1
   WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
     AND GrainTypeString = @GrainTypeString
     AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar)
     AND ServiceId = @ServiceId AND Version = @GrainStateVersion
  RETURNING Version AS NewGrainStateVersion'),
('DeleteStorageKey',
 'DELETE FROM OrleansStorage
   WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
     AND GrainTypeString = @GrainTypeString
     AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar)
     AND ServiceId = @ServiceId AND Version = @GrainStateVersion
  RETURNING Version + 1 AS NewGrainStateVersion');

------------------------------------------------------------------------------------------------------------------
-- Reminders: one row per (service, grain, reminder name); GrainHash places it on the consistent-hash ring.
------------------------------------------------------------------------------------------------------------------
CREATE TABLE OrleansRemindersTable (
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(150)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,
    CONSTRAINT PK_RemindersTable_ServiceId_GrainId_ReminderName PRIMARY KEY (ServiceId, GrainId, ReminderName)
);
CREATE INDEX IX_RemindersTable_GrainHash ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey',
 'INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
  VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, CAST(@Period AS bigint), @GrainHash, 0)
  ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
     SET StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash,
         Version = OrleansRemindersTable.Version + 1
  RETURNING Version'),
('ReadReminderRowsKey',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
   WHERE ServiceId = @ServiceId AND GrainId = @GrainId'),
('ReadReminderRowKey',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
   WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName'),
-- A ring range that does not wrap: (BeginHash, EndHash].
('ReadRangeRows1Key',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
   WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash'),
-- A ring range that wraps past the top: (BeginHash, max] plus [min, EndHash].
('ReadRangeRows2Key',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
   WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash)'),
('DeleteReminderRowKey',
 'WITH gone AS (
      DELETE FROM OrleansRemindersTable
       WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
      RETURNING 1)
  SELECT count(*)::integer AS row_count FROM gone'),
('DeleteReminderRowsKey',
 'DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId');
