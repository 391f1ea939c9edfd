-- Runs once, when the postgresql volume is first initialised
-- (/docker-entrypoint-initdb.d). Temporal's schemas are then set up by
-- temporalio/auto-setup (SKIP_DB_CREATE=true); the ledger's tables by eventsourcing.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
CREATE DATABASE unionflow;
