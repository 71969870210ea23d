import type { Sql } from '@agentlane/store';

/** One ask with what became of it: the engine run, the policy verdict, the PR, its checks, the merge. */
export interface AuditRow {
  ask: string;
  actor: string;
  cell: string | null;
  action: string | null;
  status: string;
  created_at: Date;
  job_id: string | null;
  run_status: string | null;
  verdict: string | null;
  policy_ref: string | null;
  pr_number: number | null;
  pr_url: string | null;
  pr_status: string | null;
  merged_sha: string | null;
  /** The last merge decision: `pass`, `fail` or `inconclusive`, and what was done. */
  merge_outcome: string | null;
  merge_action: string | null;
  merge_reasons: string[] | null;
  /** `name=conclusion` of each check, by name. */
  checks: string | null;
}

/** The audit trail of agent changes, oldest first; one ask with `askId`. */
export async function auditTrail(sql: Sql, options: { askId?: string } = {}): Promise<AuditRow[]> {
  const { rows } = await sql.query<AuditRow>(
    `SELECT a.id AS ask, a.actor, a.cell, a.action, a.status, a.created_at, r.status AS run_status, a.job_id,
            d.verdict, d.policy_ref, c.pr_number, c.pr_url, c.status AS pr_status, c.merged_sha,
            m.outcome AS merge_outcome, m.action AS merge_action, m.reasons AS merge_reasons,
            (SELECT string_agg(k.name || '=' || coalesce(k.conclusion, k.status), ', ' ORDER BY k.name) FROM gitops.checks k WHERE k.change_request_id = c.id) AS checks
       FROM gitops.asks a
       LEFT JOIN engine_v2.job_runs r ON r.job_id = a.job_id
       LEFT JOIN gitops.change_requests c ON c.ask_id = a.id
       LEFT JOIN LATERAL (SELECT verdict, policy_ref FROM gitops.policy_decisions p WHERE p.ask_id = a.id ORDER BY p.created_at DESC LIMIT 1) d ON true
       LEFT JOIN LATERAL (SELECT outcome, action, reasons FROM gitops.merge_decisions x WHERE x.change_request_id = c.id ORDER BY x.created_at DESC LIMIT 1) m ON true
      WHERE $1::uuid IS NULL OR a.id = $1::uuid
      ORDER BY a.created_at`,
    [options.askId ?? null],
  );
  return rows;
}
