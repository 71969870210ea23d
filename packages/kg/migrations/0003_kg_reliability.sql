-- kg schema v3: what an index run needs to be safe and honest.
--
-- 1. kg.repository: the one repository this database holds (its canonical root, the
--    realpath). Paths in kg.files are relative to it, so indexing or querying another
--    root against this database is refused (KG_REPOSITORY_MISMATCH) instead of
--    replacing or mixing two repositories. Backfilled from the last successful run.
-- 2. index_runs.pid / host: the process that started a run, so a run left 'running'
--    by a process that died (kill -9) is recognised as 'interrupted'; 'abandoned'
--    is renamed 'interrupted'.
-- 3. skipped_files.mtime_ms: files skipped for their content (binary, not_utf8,
--    too_large) are remembered by size and mtime like parsed files, so an unchanged
--    one is neither re-read nor counted as changed. New reason 'not_regular' (FIFO,
--    device, socket where a file was expected).

CREATE TABLE kg.repository (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  root text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO kg.repository (root)
  SELECT repo_root FROM kg.index_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1;

ALTER TABLE kg.index_runs ADD COLUMN pid integer;
ALTER TABLE kg.index_runs ADD COLUMN host text;
ALTER TABLE kg.index_runs DROP CONSTRAINT index_runs_status_check;
UPDATE kg.index_runs SET status = 'interrupted' WHERE status = 'abandoned';
ALTER TABLE kg.index_runs ADD CONSTRAINT index_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted'));

ALTER TABLE kg.skipped_files ADD COLUMN mtime_ms double precision;
ALTER TABLE kg.skipped_files DROP CONSTRAINT skipped_files_reason_check;
ALTER TABLE kg.skipped_files ADD CONSTRAINT skipped_files_reason_check CHECK (reason IN (
  'too_large', 'binary', 'not_utf8', 'unreadable', 'not_regular', 'symlink_loop', 'broken_symlink',
  'symlink_outside_repo', 'symlink_duplicate', 'vendored_dir', 'build_dir', 'generated', 'parse_failed'
));
