/**
 * One attempt of a microtask: hand the instructions to the agent in the
 * sandbox, kill it when its wall time runs out, collect what it changed, run
 * every validator, then the test command on exactly the tree that would be
 * committed. A failed attempt is rolled back before this returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { coerceError, knownSecretValues } from '@agentlane/core';
import { baseFileSizes, collectChanges, keepOnlyTheTree, readBase, readCurrent, type ChangeSet } from './changes.js';
import { TMP_DIR_NAME } from './defaults.js';
import type { LaneFile, Microtask } from './lane-file.js';
import { attemptDir, type LanePaths } from './paths.js';
import { preflightFindings, scanWorktree } from './preflight.js';
import type { ChangeSummary } from './records/events.js';
import type { Recorder } from './records/recorder.js';
import { attemptInstructions, failureSummary } from './retry.js';
import { sandboxEnv } from './sandbox/env.js';
import type { Sandbox } from './sandbox/sandbox.js';
import { markerScopeFor } from './sandbox/tree.js';
import { gitLinkIntact, rollbackWorktree, worktreeView, type RollbackResult, type Worktree } from './sandbox/worktree.js';
import { outputTail } from './validators/evidence.js';
import { runStaticValidators, runTests, stops, wallTimeFinding, type Finding } from './validators/index.js';

export interface AttemptContext {
  lane: LaneFile;
  task: Microtask;
  attempt: number;
  runId: string;
  paths: LanePaths;
  worktree: Worktree;
  sandbox: Sandbox;
  recorder: Recorder;
  /** The previous attempt's failure summary; null on the first attempt. */
  retryContext: string | null;
  /** Worktree size before the first attempt. */
  baseDisk: number;
  /** The lane's own environment, filtered down for the agent. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface AttemptOutcome {
  ok: boolean;
  findings: Finding[];
  changes: ChangeSet | null;
  failureSummary: string | null;
  rollback: RollbackResult | null;
  aborted: boolean;
}

function summarise(changes: ChangeSet, diskGrowth: number): ChangeSummary {
  return {
    files: changes.files.map((f) => ({ path: f.path, status: f.status, linesAdded: f.linesAdded, linesDeleted: f.linesDeleted })),
    linesAdded: changes.linesAdded,
    linesDeleted: changes.linesDeleted,
    filesCreated: changes.filesCreated,
    diskGrowth,
  };
}

function ensureTmp(worktree: Worktree): void {
  fs.mkdirSync(path.join(worktree.dir, TMP_DIR_NAME), { recursive: true });
}

export async function runAttempt(ctx: AttemptContext): Promise<AttemptOutcome> {
  const { task, attempt, worktree, recorder } = ctx;
  const where = { taskId: task.id, attempt };
  const instructions = attemptInstructions(task.instructions, ctx.retryContext);
  const dir = attemptDir(ctx.paths, ctx.runId, task.id, attempt);
  fs.mkdirSync(dir, { recursive: true });
  const instructionsFile = path.join(dir, 'instructions.md');
  fs.writeFileSync(instructionsFile, instructions);
  ensureTmp(worktree);
  recorder.emit('attempt_started', { retryContext: ctx.retryContext }, where);

  const agentEnv = sandboxEnv({
    worktree: worktree.dir,
    allow: ctx.lane.envAllow,
    source: ctx.env,
    extra: {
      AGENTLANE_LANE: ctx.lane.name,
      AGENTLANE_TASK_ID: task.id,
      AGENTLANE_TASK_KIND: task.kind,
      AGENTLANE_ATTEMPT: String(attempt),
      AGENTLANE_INSTRUCTIONS: instructions,
      AGENTLANE_INSTRUCTIONS_FILE: instructionsFile,
      AGENTLANE_ALLOWED_PATHS: task.allowedPaths.join('\n'),
      ...(ctx.retryContext === null ? {} : { AGENTLANE_FAILURE_SUMMARY: ctx.retryContext }),
    },
  });
  const view = worktreeView(worktree);
  const markerScope = markerScopeFor(ctx.paths.root);
  const agent = await ctx.sandbox.run(task.agent.command, {
    worktree: worktree.dir,
    env: agentEnv,
    network: task.agent.network,
    timeoutMs: task.limits.wallTimeMs,
    stdin: instructions,
    readOnly: [instructionsFile, ...view.readOnly],
    masked: view.masked,
    markerScope,
    signal: ctx.signal,
    onSpawn: (pid) => recorder.emit('agent_started', { pid }, where),
  });
  recorder.emit('agent_finished', { exitCode: agent.exitCode, signal: agent.signal, timedOut: agent.timedOut, durationMs: agent.durationMs }, where);

  let findings: Finding[] = [];
  let changes: ChangeSet | null = null;
  let diskGrowth = 0;
  let testsMs: number | null = null;
  const agentOutput = outputTail(`${agent.stdout}\n${agent.stderr}`, 20, 2000);
  if (agent.aborted) {
    findings = [{ validator: 'agent', rule: 'interrupted', severity: 'stop', message: 'the lane was interrupted while the agent ran' }];
  } else if (agent.timedOut) {
    findings = [{ ...wallTimeFinding(task.limits.wallTimeMs, agent.durationMs), evidence: agentOutput }];
  } else if (agent.spawnError !== null) {
    findings = [{ validator: 'agent', rule: 'not_started', severity: 'stop', message: `the agent could not start: ${agent.spawnError}`, pattern: task.agent.command.join(' ') }];
  } else if (agent.exitCode !== 0) {
    const how = agent.exitCode === null ? `was killed by ${agent.signal}` : `exited with ${agent.exitCode}`;
    findings = [{ validator: 'agent', rule: 'exit_code', severity: 'stop', message: `the agent ${how}`, evidence: agentOutput }];
  } else if (!gitLinkIntact(worktree)) {
    findings = [{ validator: 'paths', rule: 'git_metadata', severity: 'stop', message: "the agent changed the worktree's .git link", file: '.git' }];
  } else {
    try {
      // Limits first, from sizes alone: nothing reads the agent's files until they pass.
      const scan = scanWorktree(worktree.dir);
      diskGrowth = Math.max(0, scan.bytes - ctx.baseDisk);
      findings = preflightFindings(scan, ctx.baseDisk, task.limits, await baseFileSizes(worktree, ctx.paths));
      if (findings.length === 0) {
        changes = await collectChanges(worktree, ctx.paths);
        if (changes.files.length === 0) {
          findings = [{ validator: 'agent', rule: 'no_changes', severity: 'stop', message: 'the agent changed nothing', evidence: agentOutput }];
        } else {
          findings = await runStaticValidators({
            changes,
            config: ctx.lane.validators,
            allowedPaths: task.allowedPaths,
            limits: task.limits,
            diskGrowth,
            secretValues: knownSecretValues(ctx.env),
            readCurrent: (file) => readCurrent(worktree, file),
            readBase: (file) => readBase(worktree, file, ctx.paths),
          });
          if (stops(findings).length === 0) {
            await keepOnlyTheTree(worktree, ctx.paths);
            ensureTmp(worktree);
            const testEnv = sandboxEnv({ worktree: worktree.dir, allow: ctx.lane.envAllow, source: ctx.env, extra: { AGENTLANE_LANE: ctx.lane.name, AGENTLANE_TASK_ID: task.id } });
            const tests = await runTests(ctx.sandbox, ctx.lane.test, worktree.dir, testEnv, { ...view, markerScope, signal: ctx.signal });
            testsMs = tests.result.durationMs;
            findings.push(...tests.findings);
          }
        }
      }
    } catch (error) {
      // Whatever the agent left that the lane could not read ends this attempt, never the run.
      const e = coerceError(error);
      findings.push({ validator: 'agent', rule: 'unreadable_change', severity: 'stop', message: `the lane could not read what the agent left: ${outputTail(e.message, 5, 500)}`, pattern: e.code });
    }
  }

  const stopped = stops(findings);
  const ok = stopped.length === 0;
  const summary = ok ? null : failureSummary(findings, task.allowedPaths);
  const rollback = ok ? null : await rollbackWorktree(worktree, ctx.paths).catch((error: unknown) => ({ ok: false, leftovers: [coerceError(error).message] }));
  // A patch that holds a secret is not recorded: the stat says which files, the findings where.
  const secretFound = findings.some((f) => f.validator === 'secrets');
  recorder.emit(
    'attempt_finished',
    {
      outcome: ok ? 'succeeded' : 'failed',
      findings,
      stoppedBy: stopped[0]?.validator ?? null,
      changes: changes === null ? null : summarise(changes, diskGrowth),
      diff: changes === null ? null : secretFound ? `${changes.stat}\n(patch not recorded: it holds a secret)\n` : changes.diff,
      testsMs,
      rollback,
      failureSummary: summary,
    },
    where,
  );
  return { ok, findings, changes, failureSummary: summary, rollback, aborted: agent.aborted };
}
