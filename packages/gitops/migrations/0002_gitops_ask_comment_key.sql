-- Each /ask comment is taken once, whatever its delivery id: a signed body replayed
-- under new X-GitHub-Delivery ids must not make a second ask, LLM run or PR.
-- comment_key is '<owner/name lowercased>#<comment id>'. It is a new column (rather
-- than a unique index on repo, comment_id) so rows recorded before this migration,
-- which may already hold such duplicates, keep their NULL key and stay as they are.
-- comment_updated_at records the comment's updated_at for the audit; edits are
-- ignored by the intake, so it is not part of the key.
ALTER TABLE gitops.asks ADD COLUMN comment_key text;
ALTER TABLE gitops.asks ADD COLUMN comment_updated_at text;
CREATE UNIQUE INDEX asks_comment_key_idx ON gitops.asks (comment_key);
