-- Schema `lane`: the agent lane's records (seed 002). Every row here is a projection
-- of the events in lane.events, which the lane first writes to a local JSONL buffer
-- and syncs at task boundaries; event ids make the sync idempotent.

CREATE SCHEMA IF NOT EXISTS lane;

CREATE TABLE lane.runs (
  id uuid PRIMARY KEY,
  lane_name text NOT NULL,
  lane_file text NOT NULL,
  repo_root text NOT NULL,
  base_ref text NOT NULL,
  base_commit text NOT NULL,
  branch text NOT NULL,
  start_commit text NOT NULL,
  head_commit text,
  sandbox text NOT NULL,
  sandbox_warning text,
  unattended boolean NOT NULL DEFAULT false,
  pid integer,
  status text NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'failed', 'crashed')),
  stop_reason text,
  settings jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX runs_started_at ON lane.runs (started_at);

CREATE TABLE lane.microtasks (
  run_id uuid NOT NULL REFERENCES lane.runs (id) ON DELETE CASCADE,
  id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('fix', 'feature', 'test', 'deps', 'refactor')),
  position integer NOT NULL,
  instructions text NOT NULL,
  depends_on text[] NOT NULL DEFAULT '{}',
  allowed_paths text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'reverted', 'interrupted')),
  attempts integer NOT NULL DEFAULT 0,
  commit_sha text,
  skip_reason text,
  -- The stop findings of the last attempt, when it failed.
  failure jsonb,
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (run_id, id)
);
CREATE INDEX microtasks_finished_at ON lane.microtasks (finished_at);

CREATE TABLE lane.attempts (
  run_id uuid NOT NULL,
  microtask_id text NOT NULL,
  attempt integer NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
  -- The failure summary of the previous attempt, handed to the agent with the instructions.
  retry_context text,
  agent_exit integer,
  agent_signal text,
  timed_out boolean NOT NULL DEFAULT false,
  agent_ms integer,
  tests_ms integer,
  findings jsonb NOT NULL DEFAULT '[]',
  -- The validator of the first stop finding.
  stopped_by text,
  files_changed integer,
  lines_added integer,
  lines_deleted integer,
  files_created integer,
  disk_growth bigint,
  changed_files jsonb,
  diff text,
  rollback_ok boolean,
  failure_summary text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (run_id, microtask_id, attempt),
  FOREIGN KEY (run_id, microtask_id) REFERENCES lane.microtasks (run_id, id) ON DELETE CASCADE
);

CREATE TABLE lane.checkpoints (
  run_id uuid NOT NULL REFERENCES lane.runs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  commit_sha text NOT NULL,
  tag text,
  successes integer NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE lane.events (
  id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  seq integer NOT NULL,
  type text NOT NULL,
  microtask_id text,
  attempt integer,
  at timestamptz NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  synced_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, seq)
);
