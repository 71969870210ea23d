/**
 * A lane run: lock, recover what a crash left, sweep stale worktrees, pick the
 * sandbox, probe the agents, then the microtasks in DAG order: each committed
 * onto the lane branch or rolled back; dependents of a failure skipped; a
 * checkpoint every N successes; N failures in a row stop the lane, reset the
 * branch to the last checkpoint and notify. Events go to the JSONL buffer at
 * once and to the database at every task boundary.
 */
import { randomUUID } from 'node:crypto';
import { AgentlaneError, coerceError, silentLogger, type Logger } from '@agentlane/core';
import { acquireFileLock, type FileLock, type Sql } from '@agentlane/store';
import { branchTip, moveBranch, tagCheckpoint, type Checkpoint } from './checkpoints.js';
import { ConsecutiveFailures } from './circuit.js';
import { decide, runOrder, type Edge } from './dag.js';
import { git, repoToplevel, resolveCommit, validBranchName } from './git.js';
import { probeAgents } from './health.js';
import type { LaneFile } from './lane-file.js';
import { runMicrotask } from './microtask.js';
import { notifierFor, type LaneNotification, type Notifier } from './notify.js';
import { ensureLanePaths, lanePaths, runDir, type LanePaths } from './paths.js';
import type { LaneEvent } from './records/events.js';
import { EventLog } from './records/jsonl.js';
import { Recorder } from './records/recorder.js';
import { migrateLane } from './records/schema.js';
import { recoverCrashedRuns, syncPendingRuns, type RecoveredRun } from './records/sync.js';
import { sandboxEnv } from './sandbox/env.js';
import { selectSandbox, type Sandbox } from './sandbox/sandbox.js';
import { killMarked, markerScopeFor } from './sandbox/tree.js';
import { cleanStaleWorktrees, listWorktrees } from './sandbox/worktree.js';
import type { Finding } from './validators/types.js';

export interface RunLaneOptions {
  lane: LaneFile;
  /** Any directory inside the repository. */
  repoRoot: string;
  /** The agentlane home (AGENTLANE_HOME, else `<repo>/.agentlane`). */
  home: string;
  /** The database the events are synced to; without it they stay in the JSONL buffer. */
  sql?: Sql;
  logger?: Logger;
  /** Overrides the lane file's notifier (null: none). */
  notifier?: Notifier | null;
  /** Overrides the lane file's sandbox choice. */
  sandbox?: Sandbox;
  /** Every event, as it is written (progress display). */
  onEvent?: (event: LaneEvent) => void;
  /** Recorded with the run: started without a person watching (cron, CI, no TTY). */
  unattended?: boolean;
  /** The environment agents and tests are filtered from. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the running agent or test command and ends the run as failed. */
  signal?: AbortSignal;
}

export type TaskStatus = 'succeeded' | 'failed' | 'skipped' | 'pending' | 'reverted';

export interface TaskResult {
  id: string;
  kind: string;
  status: TaskStatus;
  attempts: number;
  commit: string | null;
  findings: Finding[];
  skipReason: string | null;
}

export interface LaneRunResult {
  runId: string;
  lane: string;
  status: 'completed' | 'stopped';
  branch: string;
  startCommit: string;
  head: string;
  sandbox: { kind: Sandbox['kind']; warning: string | null };
  tasks: TaskResult[];
  checkpoints: Checkpoint[];
  stop: { reason: string; failedTasks: string[]; resetTo: Checkpoint } | null;
  notification: { ok: boolean; notifier: string; error: string | null } | null;
  recovered: RecoveredRun[];
  /** False when the database could not take every event (they wait in the buffer). */
  synced: boolean;
}

function acquireLaneLock(paths: LanePaths): FileLock {
  try {
    return acquireFileLock(paths.lock);
  } catch (error) {
    const e = coerceError(error);
    if (e.code !== 'DB_LOCKED') throw e;
    throw new AgentlaneError('LANE_BUSY', `Another lane run (process ${String(e.details.pid ?? '?')}) is working on this repository`, {
      details: { lock: paths.lock, pid: e.details.pid },
    });
  }
}

/** What every run does first, under the lock: crashed runs recorded, buffers synced, worktrees swept. */
export async function prepareLane(repoRoot: string, paths: LanePaths, sql: Sql | undefined): Promise<{ recovered: RecoveredRun[]; synced: boolean }> {
  // A lane killed with -9 in worktree mode may have left agent daemons behind: under the lock, none of them is live.
  killMarked(`${markerScopeFor(paths.root)}:`);
  const recovered = recoverCrashedRuns(paths);
  let synced = true;
  if (sql) {
    await migrateLane(sql);
    const results = await syncPendingRuns(sql, paths);
    synced = results.every((r) => r.complete);
  }
  return { recovered, synced };
}

export async function runLane(options: RunLaneOptions): Promise<LaneRunResult> {
  const { lane } = options;
  const logger = options.logger ?? silentLogger;
  const repoRoot = await repoToplevel(options.repoRoot);
  const paths = lanePaths(options.home);
  ensureLanePaths(paths);
  const lock = acquireLaneLock(paths);
  let recorder: Recorder | undefined;
  try {
    const { recovered } = await prepareLane(repoRoot, paths, options.sql);
    // Before anything moves: an unattended run without bwrap under `sandbox: auto` is refused here.
    const sandbox = options.sandbox ?? selectSandbox(lane.sandbox, { unattended: options.unattended ?? false });
    const online = lane.microtasks.filter((t) => t.agent.network).map((t) => t.id);
    if (online.length > 0 && sandbox.networkProblem !== null) {
      throw new AgentlaneError('LANE_SANDBOX_UNAVAILABLE', `${online.join(', ')} ask for network: true, which this sandbox cannot give safely: ${sandbox.networkProblem}`, {
        details: { tasks: online, reason: sandbox.networkProblem },
      });
    }
    const cleaned = await cleanStaleWorktrees(repoRoot, paths);
    const baseCommit = await resolveCommit(repoRoot, lane.base);
    if (baseCommit === null) {
      throw new AgentlaneError('LANE_BASE_NOT_FOUND', `The lane's base ${lane.base} is not a branch or commit of ${repoRoot}`, { details: { base: lane.base } });
    }
    if (!(await validBranchName(repoRoot, lane.branch))) {
      throw new AgentlaneError('LANE_FILE_INVALID', `branch: ${lane.branch} is not a valid branch name`, { details: { file: lane.path, problems: [`branch: ${lane.branch} is not a valid branch name`] } });
    }
    const checkedOut = (await listWorktrees(repoRoot)).find((w) => w.branch === lane.branch);
    if (checkedOut) {
      throw new AgentlaneError('LANE_GIT_FAILED', `The lane branch ${lane.branch} is checked out in ${checkedOut.dir}; the lane moves it and would leave that checkout behind`, {
        details: { branch: lane.branch, worktree: checkedOut.dir },
      });
    }
    let laneTip = await branchTip(repoRoot, lane.branch);
    if (laneTip === null) {
      await git(repoRoot, ['update-ref', '-m', `agentlane lane ${lane.name}: start`, `refs/heads/${lane.branch}`, baseCommit, '']);
      laneTip = baseCommit;
    }
    const startCommit = laneTip;
    if (sandbox.warning) logger.warn({ sandbox: sandbox.kind }, `lane: ${sandbox.warning}`);

    const runId = randomUUID();
    recorder = new Recorder(EventLog.create(runDir(paths, runId), runId), options.sql, logger, options.onEvent);
    const env = options.env ?? process.env;
    recorder.emit('run_started', {
      lane: lane.name,
      laneFile: lane.path,
      repoRoot,
      base: lane.base,
      baseCommit,
      branch: lane.branch,
      startCommit,
      sandbox: sandbox.kind,
      sandboxWarning: sandbox.warning,
      unattended: options.unattended ?? false,
      pid: process.pid,
      settings: { checkpointEvery: lane.checkpointEvery, stopAfterFailures: lane.stopAfterFailures, limits: lane.limits, test: lane.test.command },
      tasks: lane.microtasks.map((t) => ({ id: t.id, kind: t.kind, position: t.position, instructions: t.instructions, dependsOn: t.dependsOn, allowedPaths: t.allowedPaths })),
    });
    if (cleaned.worktrees.length > 0 || cleaned.branches.length > 0) recorder.emit('worktrees_cleaned', cleaned);
    const notifier = options.notifier !== undefined ? options.notifier : notifierFor(lane.notifier);
    const notify = async (notification: Omit<LaneNotification, 'lane' | 'runId'>): Promise<LaneRunResult['notification']> => {
      if (!notifier) return null;
      try {
        await notifier.notify({ ...notification, lane: lane.name, runId });
        recorder?.emit('notification', { kind: notification.kind, notifier: notifier.name, ok: true, error: null });
        return { ok: true, notifier: notifier.name, error: null };
      } catch (error) {
        const message = coerceError(error).message;
        logger.warn({ notifier: notifier.name }, `lane: notification failed: ${message}`);
        recorder?.emit('notification', { kind: notification.kind, notifier: notifier.name, ok: false, error: message });
        return { ok: false, notifier: notifier.name, error: message };
      }
    };

    // Probes run outside the repository: an agent CLI writing its config under HOME must not touch it.
    const probes = await probeAgents(lane.microtasks.map((t) => t.agent), paths.probe, sandboxEnv({ worktree: paths.probe, allow: lane.envAllow, source: env }));
    const healthy = probes.every((p) => p.ok);
    recorder.emit('health_checked', { ok: healthy, agents: probes });
    if (!healthy) {
      const failed = probes.filter((p) => !p.ok).map((p) => `${p.command}: ${p.detail}`);
      const error = new AgentlaneError('LANE_HEALTH_CHECK_FAILED', `Agent health check failed: ${failed.join('; ')}`, { details: { probes } });
      recorder.emit('run_failed', { code: error.code, message: error.message });
      await notify({ kind: 'health_check_failed', text: `agentlane lane ${lane.name}: ${error.message}`, details: { probes } });
      await recorder.sync();
      throw error;
    }

    const checkpoints: Checkpoint[] = [{ seq: 0, commit: startCommit, tag: null, successes: 0 }];
    recorder.emit('checkpoint_created', checkpoints[0] as Checkpoint);
    await recorder.sync();

    const ids = lane.microtasks.map((t) => t.id);
    const edges: Edge[] = lane.microtasks.flatMap((t) => t.dependsOn.map((d) => [d, t.id] as const));
    const byId = new Map(lane.microtasks.map((t) => [t.id, t]));
    const results = new Map<string, TaskResult>(
      lane.microtasks.map((t) => [t.id, { id: t.id, kind: t.kind, status: 'pending', attempts: 0, commit: null, findings: [], skipReason: null }]),
    );
    const circuit = new ConsecutiveFailures(lane.stopAfterFailures);
    let successes = 0;
    let sinceCheckpoint: string[] = [];
    let stop: LaneRunResult['stop'] = null;
    let notification: LaneRunResult['notification'] = null;

    for (const id of runOrder(ids, edges)) {
      if (stop) break;
      const task = byId.get(id);
      const result = results.get(id);
      if (!task || !result) continue;
      const decision = decide(id, edges, (key) => {
        const status = results.get(key)?.status;
        return status === 'succeeded' || status === 'failed' || status === 'skipped' ? status : 'pending';
      });
      if (decision.action === 'skip') {
        Object.assign(result, { status: 'skipped', skipReason: decision.reason });
        recorder.emit('task_skipped', { reason: decision.reason }, { taskId: id });
        await recorder.sync();
        continue;
      }
      if (decision.action === 'wait') continue;
      const outcome = await runMicrotask({ repoRoot, lane, runId, paths, sandbox, recorder, env, laneTip, signal: options.signal }, task);
      Object.assign(result, { attempts: outcome.attempts, commit: outcome.commit, findings: outcome.findings });
      if (outcome.aborted || options.signal?.aborted) {
        result.status = 'failed';
        throw new AgentlaneError('LANE_INTERRUPTED', `The lane run was interrupted during ${id}`, { details: { runId, task: id } });
      }
      if (outcome.ok && outcome.commit) {
        result.status = 'succeeded';
        laneTip = outcome.commit;
        successes += 1;
        sinceCheckpoint.push(id);
        circuit.success();
        if (successes % lane.checkpointEvery === 0) {
          const seq = checkpoints.length;
          const tag = await tagCheckpoint(repoRoot, lane.name, runId, seq, laneTip);
          const checkpoint = { seq, commit: laneTip, tag, successes };
          checkpoints.push(checkpoint);
          sinceCheckpoint = [];
          recorder.emit('checkpoint_created', checkpoint);
        }
      } else {
        result.status = 'failed';
        if (circuit.failure(id)) {
          const resetTo = checkpoints[checkpoints.length - 1] as Checkpoint;
          if (resetTo.commit !== laneTip) {
            await moveBranch(repoRoot, lane.branch, resetTo.commit, laneTip, `agentlane lane ${lane.name}: stopped, back to checkpoint ${resetTo.seq}`);
            laneTip = resetTo.commit;
          }
          for (const reverted of sinceCheckpoint) (results.get(reverted) as TaskResult).status = 'reverted';
          const pending = [...results.values()].filter((r) => r.status === 'pending').map((r) => r.id);
          stop = { reason: `${circuit.streak.length} microtasks failed in a row`, failedTasks: [...circuit.streak], resetTo };
          recorder.emit('lane_stopped', { reason: stop.reason, failedTasks: stop.failedTasks, resetTo: { seq: resetTo.seq, commit: resetTo.commit }, reverted: sinceCheckpoint, pending });
          const causes = circuit.streak.map((taskId) => {
            const first = results.get(taskId)?.findings[0];
            return `${taskId}: ${first ? `[${first.validator}] ${first.message}` : 'failed'}`;
          });
          notification = await notify({
            kind: 'lane_stopped',
            text: `agentlane lane ${lane.name} stopped: ${stop.reason} (${causes.join('; ')}). Branch ${lane.branch} reset to checkpoint ${resetTo.seq} (${resetTo.commit.slice(0, 10)}); ${pending.length} microtask(s) left pending.`,
            details: { failedTasks: stop.failedTasks, causes, branch: lane.branch, resetTo, pending, reverted: sinceCheckpoint },
          });
        }
      }
      await recorder.sync();
    }

    const tasks = [...results.values()];
    const count = (status: TaskStatus) => tasks.filter((t) => t.status === status).length;
    recorder.emit('run_finished', {
      status: stop ? 'stopped' : 'completed',
      head: laneTip,
      succeeded: count('succeeded'),
      failed: count('failed'),
      skipped: count('skipped'),
      pending: count('pending'),
    });
    const synced = await recorder.sync();
    return {
      runId,
      lane: lane.name,
      status: stop ? 'stopped' : 'completed',
      branch: lane.branch,
      startCommit,
      head: laneTip,
      sandbox: { kind: sandbox.kind, warning: sandbox.warning },
      tasks,
      checkpoints,
      stop,
      notification,
      recovered,
      synced,
    };
  } catch (error) {
    const failure = coerceError(error);
    if (recorder && !recorder.finished) {
      recorder.emit('run_failed', { code: failure.code, message: failure.message });
      await recorder.sync();
    }
    throw failure;
  } finally {
    recorder?.close();
    lock.release();
  }
}
