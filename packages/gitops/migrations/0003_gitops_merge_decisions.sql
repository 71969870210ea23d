-- The merge decision is made at merge time, on the head SHA that was checked, and
-- recorded: which policy judged it, the outcome (pass, fail, inconclusive), what was
-- done (merged, review requested, closed, waiting) and why. base_sha is the commit of
-- the base branch a change request was cut from: a base that moved since is compared
-- against it, so a change to the same paths on the base is caught before merging.
ALTER TABLE gitops.change_requests ADD COLUMN base_sha text;
-- The pull request's title: the squash commit's title when the decision merges it later.
ALTER TABLE gitops.change_requests ADD COLUMN title text;

CREATE TABLE gitops.merge_decisions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  change_request_id uuid NOT NULL REFERENCES gitops.change_requests(id) ON DELETE CASCADE,
  head_sha text NOT NULL,
  base_sha text,
  policy_ref text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('pass', 'fail', 'inconclusive')),
  action text NOT NULL CHECK (action IN ('merged', 'review', 'closed', 'wait')),
  reasons jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merge_decisions_change_request_idx ON gitops.merge_decisions (change_request_id, created_at);

-- The local forge's review requests (GitHub keeps its own): who was asked to review a PR.
ALTER TABLE gitops.local_pull_requests ADD COLUMN requested_reviewers text[] NOT NULL DEFAULT '{}';
