/**
 * The morning summary (seed 002): for one day, the lane runs' successes,
 * failures, diffs, causes and next actions, with the three things to look at
 * first on top. Written to `reports/lane/YYYY-MM-DD.md`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AgentlaneError, redactSecrets, redactSecretsDeep } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import type { Finding } from './validators/types.js';

export interface SummaryRun {
  id: string;
  lane: string;
  branch: string;
  status: string;
  stopReason: string | null;
  sandbox: string;
  sandboxWarning: string | null;
  startedAt: string;
  finishedAt: string | null;
  startCommit: string;
  headCommit: string | null;
}

export interface SummaryTask {
  runId: string;
  lane: string;
  id: string;
  kind: string;
  status: string;
  attempts: number;
  commit: string | null;
  skipReason: string | null;
  /** Stop findings of the last attempt (failures). */
  failure: Finding[];
  linesAdded: number;
  linesDeleted: number;
  files: string[];
  diff: string | null;
}

export interface SummaryItem {
  priority: number;
  headline: string;
  nextAction: string;
}

export interface LaneSummary {
  date: string;
  runs: SummaryRun[];
  tasks: SummaryTask[];
  top: SummaryItem[];
  nextActions: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** [start, end) of a local calendar day. */
export function dayWindow(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00`);
  if (!DATE.test(date) || Number.isNaN(start.getTime())) {
    throw new AgentlaneError('CLI_USAGE', `Not a date (YYYY-MM-DD): ${date}`, { details: { date } });
  }
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { start, end };
}

export function localDate(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

const iso = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value));

const SEVERITY: Record<string, number> = { symbols: 1, imports: 1, paths: 1, patterns: 1, limits: 2, test_size: 3, tests: 3, agent: 4 };

export function nextActionFor(task: Pick<SummaryTask, 'id'>, finding: Finding | undefined): string {
  if (!finding) return `Look at the records of ${task.id}.`;
  switch (finding.validator) {
    case 'imports':
      return `Decide whether ${task.id} really needs \`${finding.evidence ?? finding.pattern}\`: allow it in validators.imports, or tell the agent which API to use instead.`;
    case 'symbols':
      return `Review ${finding.file}:${finding.line} (${finding.rule}); reword the instructions so the agent avoids it, or drop the task.`;
    case 'patterns':
      return `The agent wrote a banned pattern in ${finding.file}:${finding.line}; tighten the instructions of ${task.id}.`;
    case 'paths':
      return finding.rule === 'protected_path'
        ? `${finding.file} is protected (${finding.pattern}): make that change by hand in a reviewed pull request.`
        : `If ${finding.file} must change, add it to allowed_paths of ${task.id}; otherwise narrow the instructions.`;
    case 'tests':
      return `Reproduce with the test command on the lane branch; the failing output is in attempt ${task.id}'s record.`;
    case 'test_size':
      return `Find out why the agent ${finding.rule === 'test_grew' || finding.rule === 'test_too_long' ? 'grew' : 'shrank'} ${finding.file}: tests must not be cut to pass.`;
    case 'limits':
      return `Split ${task.id} into smaller microtasks, or raise limits.${{ wall_time: 'wall_time_s', changed_lines: 'changed_lines', files_created: 'files_created', disk: 'disk_mb' }[finding.rule] ?? finding.rule} if the size is right.`;
    default:
      return `Check the agent command of ${task.id} and its output (run its health probe by hand).`;
  }
}

function findingText(f: Finding): string {
  const where = f.file ? ` at ${f.file}${f.line ? `:${f.line}` : ''}` : '';
  return `[${f.validator}/${f.rule}] ${f.message}${where}`;
}

export async function laneSummary(sql: Sql, date: string): Promise<LaneSummary> {
  const { start, end } = dayWindow(date);
  const runRows = await sql.query<Record<string, unknown>>(
    `SELECT id, lane_name, branch, status, stop_reason, sandbox, sandbox_warning, started_at, finished_at, start_commit, head_commit
     FROM lane.runs
     WHERE (started_at >= $1 AND started_at < $2) OR (finished_at >= $1 AND finished_at < $2)
     ORDER BY started_at`,
    [start.toISOString(), end.toISOString()],
  );
  const runs: SummaryRun[] = runRows.rows.map((r) => ({
    id: String(r.id),
    lane: String(r.lane_name),
    branch: String(r.branch),
    status: String(r.status),
    stopReason: (r.stop_reason as string | null) ?? null,
    sandbox: String(r.sandbox),
    sandboxWarning: (r.sandbox_warning as string | null) ?? null,
    startedAt: iso(r.started_at) as string,
    finishedAt: iso(r.finished_at),
    startCommit: String(r.start_commit),
    headCommit: (r.head_commit as string | null) ?? null,
  }));
  const laneOf = new Map(runs.map((r) => [r.id, r.lane]));
  const taskRows = runs.length === 0
    ? { rows: [] as Record<string, unknown>[] }
    : await sql.query<Record<string, unknown>>(
        `SELECT m.run_id, m.id, m.kind, m.status, m.attempts, m.commit_sha, m.skip_reason, m.failure, m.position,
                a.lines_added, a.lines_deleted, a.changed_files, a.diff
         FROM lane.microtasks m
         LEFT JOIN LATERAL (
           SELECT lines_added, lines_deleted, changed_files, diff FROM lane.attempts
           WHERE run_id = m.run_id AND microtask_id = m.id ORDER BY attempt DESC LIMIT 1
         ) a ON true
         WHERE m.run_id = ANY($1::uuid[])
         ORDER BY m.run_id, m.position`,
        [runs.map((r) => r.id)],
      );
  const tasks: SummaryTask[] = taskRows.rows.map((r) => ({
    runId: String(r.run_id),
    lane: laneOf.get(String(r.run_id)) ?? '',
    id: String(r.id),
    kind: String(r.kind),
    status: String(r.status),
    attempts: Number(r.attempts),
    commit: (r.commit_sha as string | null) ?? null,
    skipReason: (r.skip_reason as string | null) ?? null,
    failure: (r.failure as Finding[] | null) ?? [],
    linesAdded: Number(r.lines_added ?? 0),
    linesDeleted: Number(r.lines_deleted ?? 0),
    files: ((r.changed_files as { path: string }[] | null) ?? []).map((f) => f.path),
    diff: (r.diff as string | null) ?? null,
  }));

  const items: SummaryItem[] = [];
  for (const run of runs) {
    if (run.status === 'stopped') {
      const pending = tasks.filter((t) => t.runId === run.id && t.status === 'pending').length;
      items.push({
        priority: 0,
        headline: `Lane ${run.lane} stopped itself: ${run.stopReason ?? 'consecutive failures'}; ${run.branch} was reset to its last checkpoint (${(run.headCommit ?? '').slice(0, 10)}).`,
        nextAction: `Read the failures below before re-running ${run.lane}; ${pending} pending microtask(s) run on the next \`agentlane lane run\`.`,
      });
    } else if (run.status === 'crashed' || run.status === 'failed') {
      items.push({
        priority: 1,
        headline: `Lane ${run.lane} run ${run.id.slice(0, 8)} ${run.status}${run.stopReason ? `: ${run.stopReason}` : ''}.`,
        nextAction: run.status === 'crashed' ? 'Its events were recovered from the buffer; re-run the lane file.' : 'Fix the cause above and re-run the lane file.',
      });
    }
  }
  for (const task of tasks.filter((t) => t.status === 'failed')) {
    const first = task.failure[0];
    items.push({
      priority: SEVERITY[first?.validator ?? 'agent'] ?? 4,
      headline: `${task.id} (${task.kind}) failed after ${task.attempts} attempt(s): ${first ? findingText(first) : 'no finding recorded'}.`,
      nextAction: nextActionFor(task, first),
    });
  }
  for (const task of [...tasks.filter((t) => t.status === 'succeeded')].sort((a, b) => b.linesAdded + b.linesDeleted - (a.linesAdded + a.linesDeleted))) {
    items.push({
      priority: 5,
      headline: `${task.id} (${task.kind}) committed ${task.commit?.slice(0, 10) ?? ''}: +${task.linesAdded} −${task.linesDeleted} in ${task.files.length} file(s).`,
      nextAction: 'Review the commit on the lane branch and open a pull request.',
    });
  }
  items.sort((a, b) => a.priority - b.priority);
  const nextActions = [...new Set(items.filter((i) => i.priority < 5).map((i) => i.nextAction))];
  const pending = tasks.filter((t) => t.status === 'pending' || t.status === 'interrupted');
  if (pending.length > 0) nextActions.push(`${pending.length} microtask(s) did not run (${pending.map((t) => t.id).join(', ')}): re-run their lane file.`);
  if (tasks.some((t) => t.status === 'succeeded')) nextActions.push('Review the successful commits on the lane branches and open pull requests.');
  // A report leaves the machine (mail, a PR, a chat): no secret in it, whatever the records held.
  return redactSecretsDeep({ date, runs, tasks, top: items.slice(0, 3), nextActions });
}

function diffExcerpt(diff: string, lines = 40): string {
  const all = diff.split('\n');
  const shown = all.slice(0, lines).join('\n').replaceAll('```', '`\u200b``');
  return all.length > lines ? `${shown}\n… (${all.length - lines} more lines)` : shown;
}

export function renderSummary(summary: LaneSummary): string {
  const out: string[] = [`# Lane summary ${summary.date}`, ''];
  if (summary.runs.length === 0) {
    out.push('No lane runs on this day.', '');
    return out.join('\n');
  }
  const count = (status: string) => summary.tasks.filter((t) => t.status === status).length;
  out.push(
    `${summary.runs.length} run(s): ${count('succeeded')} succeeded, ${count('failed')} failed, ${count('reverted')} reverted to a checkpoint, ${count('skipped')} skipped, ${count('pending') + count('interrupted')} not run.`,
    '',
    '## Top 3',
    '',
  );
  if (summary.top.length === 0) out.push('Nothing needs attention.');
  summary.top.forEach((item, i) => out.push(`${i + 1}. ${item.headline}  `, `   → ${item.nextAction}`));
  out.push('', '## Runs', '', '| run | lane | branch | status | sandbox | started | finished |', '|---|---|---|---|---|---|---|');
  for (const run of summary.runs) {
    out.push(`| ${run.id.slice(0, 8)} | ${run.lane} | \`${run.branch}\` | ${run.status} | ${run.sandbox} | ${run.startedAt} | ${run.finishedAt ?? '—'} |`);
  }
  const warnings = [...new Set(summary.runs.map((r) => r.sandboxWarning).filter((w): w is string => w !== null))];
  for (const warning of warnings) out.push('', `> sandbox warning: ${warning}`);

  out.push('', '## Successes', '');
  const successes = summary.tasks.filter((t) => t.status === 'succeeded' || t.status === 'reverted');
  if (successes.length === 0) out.push('None.');
  for (const task of successes) {
    out.push(
      `### ${task.id} (${task.kind})${task.status === 'reverted' ? ' — reverted when the lane stopped' : ''}`,
      '',
      `Lane ${task.lane}, commit \`${task.commit ?? '—'}\`, attempt(s) ${task.attempts}, +${task.linesAdded} −${task.linesDeleted} in ${task.files.join(', ')}.`,
      '',
    );
    if (task.diff) out.push('<details><summary>diff</summary>', '', '```diff', diffExcerpt(task.diff), '```', '', '</details>', '');
  }

  out.push('', '## Failures', '');
  const failures = summary.tasks.filter((t) => t.status === 'failed');
  if (failures.length === 0) out.push('None.');
  for (const task of failures) {
    out.push(`### ${task.id} (${task.kind})`, '', `Lane ${task.lane}, ${task.attempts} attempt(s), every one rolled back. Cause:`, '');
    for (const f of task.failure) {
      out.push(`- ${findingText(f)}${f.pattern ? ` — pattern \`${f.pattern}\`` : ''}`);
      if (f.evidence) out.push(`  ${f.validator === 'tests' ? `\n  \`\`\`\n  ${f.evidence.split('\n').slice(-15).join('\n  ')}\n  \`\`\`` : `evidence: \`${f.evidence.replaceAll('`', "'")}\``}`);
    }
    out.push('', `Next action: ${nextActionFor(task, task.failure[0])}`, '');
    if (task.diff) out.push('<details><summary>rolled-back diff</summary>', '', '```diff', diffExcerpt(task.diff), '```', '', '</details>', '');
  }

  const skipped = summary.tasks.filter((t) => t.status === 'skipped' || t.status === 'pending' || t.status === 'interrupted');
  if (skipped.length > 0) {
    out.push('', '## Skipped and not run', '');
    for (const task of skipped) out.push(`- ${task.id} (${task.kind}): ${task.status}${task.skipReason ? ` — ${task.skipReason}` : ''}`);
  }
  out.push('', '## Next actions', '');
  if (summary.nextActions.length === 0) out.push('None.');
  summary.nextActions.forEach((action) => out.push(`- ${action}`));
  out.push('');
  return out.join('\n');
}

/** Build the summary for `date` and write it to `<repoRoot>/reports/lane/<date>.md` (or `out`). */
export async function writeSummary(sql: Sql, repoRoot: string, date: string, out?: string): Promise<{ file: string; summary: LaneSummary }> {
  const summary = await laneSummary(sql, date);
  const file = path.resolve(repoRoot, out ?? path.join('reports', 'lane', `${date}.md`));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, redactSecrets(renderSummary(summary)));
  return { file, summary };
}
