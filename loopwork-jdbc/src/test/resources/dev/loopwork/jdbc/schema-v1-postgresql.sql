-- What a database held before schema version 2: Loopwork's tables at version 1 and the control table that
-- loopwork-cli created for itself. Kept as it was, for the upgrade tests.

-- Loopwork schema version 1 for PostgreSQL

CREATE TABLE loopwork_schema_version (
  version INTEGER NOT NULL PRIMARY KEY,
  description VARCHAR(200) NOT NULL,
  applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL
);

-- 1: replicas, leases and run journal

CREATE TABLE loopwork_replica (
  replica_id VARCHAR(100) NOT NULL PRIMARY KEY,
  host VARCHAR(255) NOT NULL,
  started_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);

CREATE TABLE loopwork_lease (
  service VARCHAR(200) NOT NULL PRIMARY KEY,
  owner VARCHAR(100),
  fencing_token BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  last_started_ms BIGINT
);

CREATE TABLE loopwork_run (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service VARCHAR(200) NOT NULL,
  replica_id VARCHAR(100) NOT NULL,
  iteration BIGINT NOT NULL,
  fencing_token BIGINT,
  started_at TIMESTAMP WITH TIME ZONE NOT NULL,
  duration_us BIGINT NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  error VARCHAR(1000)
);

CREATE INDEX loopwork_run_started_at ON loopwork_run (started_at);

CREATE INDEX loopwork_run_service ON loopwork_run (service, started_at);

INSERT INTO loopwork_schema_version (version, description) VALUES (1, 'replicas, leases and run journal');

-- The loopwork host's own table

CREATE TABLE IF NOT EXISTS loopwork_service_control (
  service VARCHAR(200) NOT NULL PRIMARY KEY,
  paused BOOLEAN NOT NULL,
  run_once_requested BOOLEAN NOT NULL,
  updated_ms BIGINT NOT NULL,
  updated_by VARCHAR(200) NOT NULL
);
