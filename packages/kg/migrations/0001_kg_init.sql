-- kg schema v1: the code knowledge graph.
-- Objects follow the CBO shape; ids are stable hashes (language, file path,
-- qualified name, kind, ordinal) in UUID form, never of line numbers. Relations are owned by
-- the file they were found in (file_path), so replacing a file replaces them.

CREATE SCHEMA IF NOT EXISTS kg;

CREATE TABLE kg.index_runs (
  id text PRIMARY KEY,
  repo_root text NOT NULL,
  git_head text,
  mode text NOT NULL CHECK (mode IN ('full', 'incremental')),
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  stats jsonb NOT NULL DEFAULT '{}'::jsonb,
  coverage jsonb,
  error text
);
CREATE INDEX index_runs_started_idx ON kg.index_runs (started_at DESC);

CREATE TABLE kg.files (
  path text PRIMARY KEY,
  language text NOT NULL CHECK (language IN ('ts', 'py')),
  module_name text NOT NULL,
  sha256 text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  mtime_ms double precision NOT NULL,
  line_count integer NOT NULL CHECK (line_count >= 0),
  object_count integer NOT NULL DEFAULT 0,
  syntax_errors integer NOT NULL DEFAULT 0,
  unresolved_calls integer NOT NULL DEFAULT 0,
  -- Relations found in this file, per kind: run summaries add these up instead of scanning kg.relations.
  relation_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- How names bound in this module resolve (imports, re-exports), for resolving other files against it.
  bindings jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Per-file coverage counters (see coverage.ts); summed per language by the gates.
  coverage jsonb NOT NULL DEFAULT '{}'::jsonb,
  run_id text NOT NULL,
  indexed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kg.skipped_files (
  path text PRIMARY KEY,
  reason text NOT NULL CHECK (reason IN (
    'too_large', 'binary', 'not_utf8', 'unreadable', 'symlink_loop', 'broken_symlink',
    'symlink_outside_repo', 'symlink_duplicate', 'vendored_dir', 'build_dir', 'generated', 'parse_failed'
  )),
  detail text,
  size bigint,
  run_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kg.objects (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN (
    'module', 'namespace', 'class', 'interface', 'type', 'enum', 'function', 'method',
    'property', 'variable', 'external_module'
  )),
  name text NOT NULL,
  qualified_name text NOT NULL,
  language text NOT NULL CHECK (language IN ('ts', 'py')),
  file_path text,
  parent_id uuid,
  signature text NOT NULL DEFAULT '',
  start_line integer,
  end_line integer,
  params_json jsonb,
  returns_json jsonb,
  fields_json jsonb,
  doc text,
  exported boolean NOT NULL DEFAULT false,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  CHECK (
    (kind = 'external_module' AND file_path IS NULL)
    OR (kind <> 'external_module' AND file_path IS NOT NULL AND start_line >= 1 AND end_line >= start_line)
  )
);
CREATE INDEX objects_file_idx ON kg.objects (file_path);
CREATE INDEX objects_name_idx ON kg.objects (name);
CREATE INDEX objects_qualified_name_idx ON kg.objects (qualified_name);

CREATE TABLE kg.relations (
  src uuid NOT NULL,
  dst uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN (
    'contains', 'imports', 'extends', 'implements', 'calls', 'uses_type', 'returns_type'
  )),
  file_path text NOT NULL,
  line integer NOT NULL CHECK (line >= 1),
  resolution text NOT NULL
);
-- No unique key: relations are de-duplicated per file before they are written,
-- and replaced per file. A relation's src always lies in the file it was found
-- in, so deleting a file's relations goes through the src index; two indexes
-- keep bulk writes cheap (out-edges by src, in-edges by dst).
CREATE INDEX relations_src_idx ON kg.relations (src, kind);
CREATE INDEX relations_dst_idx ON kg.relations (dst, kind);
