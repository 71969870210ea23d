-- kg schema v2: hybrid search.
-- What objects are matched by is computed by agentlane at index time (search/document.ts):
-- name_key (the name lowercased, separators removed) and search_tsv (weighted lexemes of
-- the name, its container, path, signature and doc). Postgres stores and matches them;
-- pg_trgm (shipped by PostgreSQL's contrib and by PGlite) gives fuzzy name matching.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE kg.objects ADD COLUMN name_key text NOT NULL DEFAULT '';
ALTER TABLE kg.objects ADD COLUMN search_tsv tsvector;

-- Exact and prefix matches on the key; text_pattern_ops serves both = and LIKE 'abc%'.
CREATE INDEX objects_name_key_idx ON kg.objects (name_key text_pattern_ops);
CREATE INDEX objects_name_key_trgm_idx ON kg.objects USING gin (name_key gin_trgm_ops);
CREATE INDEX objects_search_tsv_idx ON kg.objects USING gin (search_tsv);

-- Graph prior: PageRank over calls, imports, extends and implements, computed by
-- the index run (search/ranks.ts). Keyed by object id, which is stable across
-- re-indexing, so a re-parsed object keeps its rank until the next computation.
CREATE TABLE kg.object_ranks (
  id uuid PRIMARY KEY,
  -- PageRank scaled so the mean over all objects is 1.
  rank real NOT NULL CHECK (rank >= 0)
);

-- Objects indexed before this migration have no search columns: mark every file as
-- changed so the next run re-parses it (a run is incremental; nothing else is lost).
UPDATE kg.objects SET name_key = lower(regexp_replace(name, '[^[:alnum:]]+', '', 'g'));
UPDATE kg.files SET mtime_ms = -1;
