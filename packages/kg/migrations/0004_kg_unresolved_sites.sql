-- kg schema v4: say where the graph may be incomplete, and which extractor parsed a file.
--
-- 1. files.unresolved_sites: the file's unresolved call sites by the name they call
--    ({"byName": {"parse": 3}}) and by the object they sit in ({"byCaller": {"C.m": 2}}),
--    so `kg refs` / `kg impact` can report how many callers or callees they may miss.
-- 2. files.extractor_version: a hash of the parse-side code and grammars (see
--    extract/version.ts); a file parsed by another version is parsed again by the next
--    incremental run. Existing rows get '' and are therefore re-parsed once.

ALTER TABLE kg.files ADD COLUMN unresolved_sites jsonb NOT NULL DEFAULT '{"byName": {}, "byCaller": {}}'::jsonb;
ALTER TABLE kg.files ADD COLUMN extractor_version text NOT NULL DEFAULT '';
