import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AgentlaneError, homeFor } from '@agentlane/core';
import {
  cleanLane,
  laneStatus,
  loadLaneFile,
  localDate,
  migrateLane,
  repoToplevel,
  runLane,
  syncLaneRecords,
  writeSummary,
  type Finding,
  type LaneEvent,
  type LaneRunResult,
  type LaneStatus,
  type LaneSummary,
} from '@agentlane/lane';
import { openContext, type CommandContext } from '../context.js';
import { printJson, table } from '../output.js';

const repoOption = () => new Option('--repo <dir>', 'the git repository the lane works on').default('.');

function dateOption(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(new Date(`${value}T00:00:00`).getTime())) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  }
  return value;
}

/** The database of the repository's top level (not of a subdirectory), with the lane schema migrated. */
async function openLaneContext(repo: string, root?: string): Promise<CommandContext & { home: string }> {
  const ctx = await openContext(root ?? (await repoToplevel(path.resolve(repo))));
  try {
    await migrateLane(ctx.sql);
  } catch (error) {
    await ctx.close();
    throw error;
  }
  return { ...ctx, home: homeFor(ctx.config, ctx.repoRoot) };
}

const short = (sha: string | null) => (sha ? sha.slice(0, 10) : '—');

function findingLine(f: Finding | undefined): string {
  if (!f) return 'no finding recorded';
  return `[${f.validator}/${f.rule}] ${f.message}`;
}

/** Progress per microtask: start lines on a TTY only, one result line per microtask always. */
function progressPrinter(json: boolean): (event: LaneEvent) => void {
  const interactive = !json && process.stderr.isTTY === true && !process.env.CI;
  let total = 0;
  let done = 0;
  return (event) => {
    if (json) return;
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'run_started':
        total = (d.tasks as unknown[]).length;
        process.stdout.write(`lane ${String(d.lane)} · run ${event.runId.slice(0, 8)} · sandbox ${String(d.sandbox)} · branch ${String(d.branch)} from ${short(d.startCommit as string)}\n`);
        if (d.sandboxWarning) process.stderr.write(`warning: ${String(d.sandboxWarning)}\n`);
        break;
      case 'attempt_started':
        if (interactive) process.stderr.write(`  … [${done + 1}/${total}] ${event.taskId} attempt ${event.attempt}\n`);
        break;
      case 'task_finished': {
        done += 1;
        const f = event.data as LaneEvent<'task_finished'>['data'];
        process.stdout.write(
          f.outcome === 'succeeded'
            ? `✔ [${done}/${total}] ${event.taskId} committed ${short(f.commit)} (attempt ${f.attempts})\n`
            : `✘ [${done}/${total}] ${event.taskId} failed after ${f.attempts} attempts: ${findingLine(f.failure?.[0])}\n`,
        );
        break;
      }
      case 'task_skipped':
        done += 1;
        process.stdout.write(`– [${done}/${total}] ${event.taskId} skipped: ${String(d.reason)}\n`);
        break;
      case 'lane_stopped': {
        const s = event.data as LaneEvent<'lane_stopped'>['data'];
        process.stdout.write(`■ lane stopped: ${s.reason}; branch reset to checkpoint ${s.resetTo.seq} (${short(s.resetTo.commit)}); ${s.pending.length} left pending\n`);
        break;
      }
      case 'notification':
        process.stdout.write(`  notification via ${String(d.notifier)}: ${d.ok ? 'sent' : `FAILED (${String(d.error)})`}\n`);
        break;
      default:
    }
  };
}

function runSummaryText(result: LaneRunResult): string {
  const count = (status: string) => result.tasks.filter((t) => t.status === status).length;
  const parts = [`${count('succeeded')} succeeded`, `${count('failed')} failed`, `${count('skipped')} skipped`, `${count('pending')} pending`];
  if (count('reverted') > 0) parts.push(`${count('reverted')} reverted`);
  return [
    `${result.status === 'stopped' ? 'Stopped' : 'Done'}: ${parts.join(', ')} · ${result.branch} at ${short(result.head)}`,
    result.synced ? '' : 'The database did not take every event: they wait in the JSONL buffer and sync on the next lane command.',
    'Report: agentlane lane summary',
  ]
    .filter(Boolean)
    .join('\n');
}

function statusText(status: LaneStatus): string {
  const rows = status.criteria.map((c) => [c.label, String(c.name === 'success_rate_last_20' ? `${c.value}%` : c.value), c.target, c.met ? 'met' : 'NOT MET', c.detail]);
  const last = status.runs.last;
  return [
    table([['criterion', 'value', 'target', 'result', 'detail'], ...rows], new Set([1])),
    '',
    `${status.runs.total} run(s)${status.runs.running > 0 ? `, ${status.runs.running} running` : ''}${last ? ` · last: ${last.lane} ${last.id.slice(0, 8)} ${last.status} at ${last.startedAt}` : ''}`,
    status.met ? 'Every phase criterion is met.' : 'Some phase criteria are not met yet.',
  ].join('\n');
}

function summaryText(summary: LaneSummary, file: string): string {
  const lines = [`Wrote ${path.relative(process.cwd(), file) || file}`];
  if (summary.runs.length === 0) lines.push(`No lane runs on ${summary.date}.`);
  summary.top.forEach((item, i) => lines.push(`${i + 1}. ${item.headline}`, `   → ${item.nextAction}`));
  return lines.join('\n');
}

export function laneCommand(): Command {
  const lane = new Command('lane').description('run agent microtasks in a sandboxed worktree lane, and report on them');

  lane
    .command('run')
    .description('run a lane file: each microtask in its own worktree, validated, retried once, committed onto the lane branch or rolled back')
    .argument('<lane-file>', 'the lane file (YAML; see README "Agent lane")')
    .addOption(repoOption())
    .option('--json', 'print the run result as JSON', false)
    .option('--unattended', 'record the run as unattended (default: when stdin is not a terminal)', false)
    .action(async (file: string, opts: { repo: string; json: boolean; unattended: boolean }) => {
      // Bad input fails before the database is opened.
      const root = await repoToplevel(path.resolve(opts.repo));
      const laneFile = loadLaneFile(file, { repoRoot: root });
      const ctx = await openLaneContext(opts.repo, root);
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      try {
        const result = await runLane({
          lane: laneFile,
          repoRoot: ctx.repoRoot,
          home: ctx.home,
          sql: ctx.sql,
          logger: ctx.logger,
          onEvent: progressPrinter(opts.json),
          unattended: opts.unattended || process.stdin.isTTY !== true,
          signal: controller.signal,
        });
        if (opts.json) printJson(result);
        else process.stdout.write(`${runSummaryText(result)}\n`);
        if (result.status === 'stopped') {
          throw new AgentlaneError('LANE_STOPPED', `The lane stopped: ${result.stop?.reason ?? ''}; ${result.branch} was reset to checkpoint ${result.stop?.resetTo.seq ?? 0}`, {
            details: { runId: result.runId, failedTasks: result.stop?.failedTasks },
          });
        }
        const bad = result.tasks.filter((t) => t.status !== 'succeeded').map((t) => t.id);
        if (bad.length > 0) {
          throw new AgentlaneError('LANE_TASKS_FAILED', `Microtasks did not succeed: ${bad.join(', ')}`, { details: { runId: result.runId, tasks: bad } });
        }
      } finally {
        process.removeListener('SIGINT', interrupt);
        process.removeListener('SIGTERM', interrupt);
        await ctx.close();
      }
    });

  lane
    .command('status')
    .description("show the seed's phase criteria from the lane records (tasks succeeded, kinds, failure paths, unattended runs, success rate, limit hits)")
    .addOption(repoOption())
    .option('--json', 'print as JSON', false)
    .action(async (opts: { repo: string; json: boolean }) => {
      const ctx = await openLaneContext(opts.repo);
      try {
        const sync = await syncLaneRecords(ctx.sql, ctx.home);
        const status = await laneStatus(ctx.sql);
        if (opts.json) printJson({ ...status, recovered: sync.recovered, running: sync.running });
        else {
          for (const r of sync.recovered) process.stderr.write(`recorded crashed run ${r.runId} from its event buffer\n`);
          for (const q of sync.synced.flatMap((b) => b.quarantined)) {
            process.stderr.write(`${q.code}: event ${q.seq} (${q.type}) of run ${q.runId} was refused by the database and stored as quarantined: ${q.reason}\n`);
          }
          process.stdout.write(`${statusText(status)}\n`);
        }
      } finally {
        await ctx.close();
      }
    });

  lane
    .command('summary')
    .description('write the morning summary of one day to reports/lane/YYYY-MM-DD.md (successes, failures, diffs, causes, next actions; top 3 first)')
    .addOption(repoOption())
    .option('--date <YYYY-MM-DD>', 'the day (local time; default: today)', dateOption)
    .option('--out <file>', 'where to write it (default: reports/lane/<date>.md under the repository)')
    .option('--json', 'print the summary as JSON too', false)
    .action(async (opts: { repo: string; date?: string; out?: string; json: boolean }) => {
      const ctx = await openLaneContext(opts.repo);
      try {
        await syncLaneRecords(ctx.sql, ctx.home);
        const { file, summary } = await writeSummary(ctx.sql, ctx.repoRoot, opts.date ?? localDate(), opts.out);
        if (opts.json) printJson({ file, ...summary });
        else process.stdout.write(`${summaryText(summary, file)}\n`);
      } finally {
        await ctx.close();
      }
    });

  lane
    .command('clean')
    .description('remove stale lane worktrees and task branches (git worktree prune included); records crashed runs')
    .addOption(repoOption())
    .option('--json', 'print as JSON', false)
    .action(async (opts: { repo: string; json: boolean }) => {
      const ctx = await openLaneContext(opts.repo);
      try {
        const result = await cleanLane(ctx.repoRoot, ctx.home, ctx.sql);
        if (opts.json) printJson(result);
        else {
          process.stdout.write(`Removed ${result.worktrees.length} worktree(s) and ${result.branches.length} task branch(es).\n`);
          for (const r of result.recovered) process.stdout.write(`Recorded crashed run ${r.runId}${r.killedAgent ? ` (killed its agent, pid ${r.killedAgent})` : ''}.\n`);
        }
      } finally {
        await ctx.close();
      }
    });

  return lane;
}
