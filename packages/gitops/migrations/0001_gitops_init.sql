-- GitOps records: every agent change leaves an audit trail (who asked, which
-- policy allowed it, which checks ran, which PR carries it). Additive only.
CREATE SCHEMA IF NOT EXISTS gitops;

-- One accepted or refused /ask comment. delivery_id makes webhook redeliveries idempotent.
CREATE TABLE gitops.asks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  delivery_id text UNIQUE,
  repo text NOT NULL,
  issue_number integer NOT NULL,
  comment_id bigint,
  actor text NOT NULL,
  cell text,
  action text,
  command jsonb NOT NULL DEFAULT '{}',
  plan_only boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('refused', 'queued', 'running', 'answered', 'pr_opened', 'merged', 'denied', 'failed')),
  job_id uuid,
  reply_url text,
  error_code text,
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX asks_repo_issue_idx ON gitops.asks (repo, issue_number, created_at);

-- A change an agent proposed: a branch, a commit, a pull request.
CREATE TABLE gitops.change_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ask_id uuid REFERENCES gitops.asks(id) ON DELETE SET NULL,
  forge text NOT NULL CHECK (forge IN ('github', 'local')),
  repo text NOT NULL,
  base text NOT NULL,
  branch text NOT NULL,
  head_sha text,
  category text NOT NULL,
  pr_number integer,
  pr_url text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('denied', 'open', 'merged', 'closed', 'failed')),
  merged_sha text,
  files jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (forge, repo, branch)
);

-- Every verdict of the u_contract policy, before the push and again in CI.
CREATE TABLE gitops.policy_decisions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  change_request_id uuid REFERENCES gitops.change_requests(id) ON DELETE CASCADE,
  ask_id uuid REFERENCES gitops.asks(id) ON DELETE SET NULL,
  stage text NOT NULL CHECK (stage IN ('pre_push', 'ci')),
  policy_ref text NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('allow', 'review', 'deny')),
  category text NOT NULL,
  reasons jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Checks that ran on a change (mirrors the forge's check runs).
CREATE TABLE gitops.checks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  change_request_id uuid NOT NULL REFERENCES gitops.change_requests(id) ON DELETE CASCADE,
  name text NOT NULL,
  head_sha text NOT NULL,
  external_id text,
  status text NOT NULL CHECK (status IN ('queued', 'in_progress', 'completed')),
  conclusion text CHECK (conclusion IN ('success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required')),
  summary text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per-path locks: two open agent changes never edit the same path at once.
CREATE TABLE gitops.path_locks (
  repo text NOT NULL,
  path text NOT NULL,
  change_request_id uuid NOT NULL REFERENCES gitops.change_requests(id) ON DELETE CASCADE,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo, path)
);

-- The local forge's pull requests, check runs and comments (GitHub keeps its own).
CREATE TABLE gitops.local_pull_requests (
  repo text NOT NULL,
  number integer NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  head text NOT NULL,
  base text NOT NULL,
  head_sha text NOT NULL,
  draft boolean NOT NULL DEFAULT false,
  labels text[] NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'merged')),
  merged_sha text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo, number)
);
CREATE TABLE gitops.local_check_runs (
  id bigserial PRIMARY KEY,
  repo text NOT NULL,
  head_sha text NOT NULL,
  name text NOT NULL,
  status text NOT NULL,
  conclusion text,
  title text,
  summary text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE gitops.local_comments (
  id bigserial PRIMARY KEY,
  repo text NOT NULL,
  issue_number integer NOT NULL,
  author text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
