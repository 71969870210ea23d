/**
 * End to end: real git repositories, scripted agents (bash scripts that edit
 * files), the real sandbox (bwrap when the machine has it), no mocks.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireFileLock } from '@agentlane/store';
import { EVENTS_FILE, lanePaths, loadLaneFile, probeBwrap, readEvents, runLane, type LaneEvent, type LaneRunResult } from '../src/index.js';
import { FIX_ADD, lane, task, useLaneRepos, webhookServer, type LaneRepo } from './support/lane-repo.js';

const repo = useLaneRepos();

const expectedSandbox = probeBwrap().usable ? 'bwrap' : 'worktree';

async function run(r: LaneRepo, laneObject: Record<string, unknown>, extra: Partial<Parameters<typeof runLane>[0]> = {}): Promise<{ result: LaneRunResult; events: LaneEvent[] }> {
  const laneFile = loadLaneFile(r.laneFile(laneObject), { repoRoot: r.root });
  const result = await runLane({ lane: laneFile, repoRoot: r.root, home: r.home, ...extra });
  const events = readEvents(path.join(lanePaths(r.home).runs, result.runId, EVENTS_FILE)).events;
  return { result, events };
}

function byTask(result: LaneRunResult) {
  return Object.fromEntries(result.tasks.map((t) => [t.id, t]));
}

describe('lane run', () => {
  it('commits a good change onto the lane branch, and nothing else moves', async () => {
    const r = repo();
    const main = r.git('rev-parse', 'main').trim();
    const { result, events } = await run(r, lane([task('fix-add', r.agent('fixer', FIX_ADD))]));
    expect(result.status).toBe('completed');
    expect(result.sandbox.kind).toBe(expectedSandbox);
    const t = byTask(result)['fix-add'];
    expect(t).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(r.git('rev-parse', 'lane/nightly').trim()).toBe(t?.commit);
    expect(r.git('rev-parse', `${t?.commit}^`).trim()).toBe(main);
    expect(r.git('show', 'lane/nightly:src/math.mjs')).toContain('a + b');
    expect(r.git('show', '-s', '--format=%an <%ae>%n%B', 'lane/nightly')).toMatch(/^agentlane lane <lane@agentlane.invalid>\nlane\(fix\): fix-add\n[\s\S]*Agentlane-Task: fix-add\nAgentlane-Attempt: 1/);
    // main, the index and the checkout of the repository are untouched.
    expect(r.git('rev-parse', 'main').trim()).toBe(main);
    expect(r.git('status', '--porcelain')).toBe('');
    // The task's worktree and branch are gone.
    expect(r.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(r.git('branch', '--list', 'agentlane-task/*')).toBe('');
    expect(events.map((e) => e.type)).toEqual([
      'run_started', 'health_checked', 'checkpoint_created', 'task_started', 'attempt_started', 'agent_started', 'agent_finished', 'attempt_finished', 'task_finished', 'run_finished',
    ]);
    expect(events.find((e) => e.type === 'attempt_finished')?.data).toMatchObject({ outcome: 'succeeded', findings: [], changes: { linesAdded: 1, linesDeleted: 1, filesCreated: 0 } });
  });

  it('stops, rolls back and reports each unsafe change with the right validator', async () => {
    const r = repo();
    const started = Date.now();
    const { result, events } = await run(
      r,
      lane(
        [
          task('imports-child-process', r.agent('cp', `${FIX_ADD}\nprintf "import { exec } from 'child_process';\\nexport const run = () => exec('ls');\\n" > src/run.ts`)),
          task('after-imports', r.agent('after', FIX_ADD), { depends_on: ['imports-child-process'] }),
          task('outside-allowed-paths', r.agent('docs', `${FIX_ADD}\nmkdir -p docs && echo notes > docs/notes.md`)),
          task('touches-github', r.agent('gh', `${FIX_ADD}\necho 'on: pull_request' > .github/workflows/ci.yml`), { allowed_paths: ['**'] }),
          task('failing-tests', r.agent('mult', "sed -i 's/a - b/a * b/' src/math.mjs")),
          task('too-many-lines', r.agent('big', `${FIX_ADD}\nfor i in $(seq 1 40); do echo "export const v$i = $i;" >> src/big.mjs; done`), { limits: { changed_lines: 20 } }),
          task('sleeper', r.agent('sleeper', `${FIX_ADD}\nsleep 30`), { limits: { wall_time_s: 1 } }),
          task('hides-behind-gitattributes', r.agent('attr', `${FIX_ADD}\nprintf '* -diff\\n' > src/.gitattributes\necho 'eval(input);' > src/e.mjs`)),
          task('redirects-git', r.agent('gitlink', `${FIX_ADD}\necho 'gitdir: /nonexistent/.git' > .git`)),
        ],
        { stop_after_failures: 10 },
      ),
    );
    // The sleeper was killed twice (1 s each), not waited for.
    expect(Date.now() - started).toBeLessThan(25_000);
    const tasks = byTask(result);
    const stoppedBy = (id: string) => {
      const f = tasks[id]?.findings[0];
      return `${f?.validator}/${f?.rule}`;
    };
    expect(stoppedBy('imports-child-process')).toBe('imports/denied_import');
    expect(tasks['imports-child-process']?.findings[0]).toMatchObject({ file: 'src/run.ts', line: 1, pattern: 'child_process' });
    expect(stoppedBy('outside-allowed-paths')).toBe('paths/outside_allowed_paths');
    expect(tasks['outside-allowed-paths']?.findings[0]?.file).toBe('docs/notes.md');
    expect(stoppedBy('touches-github')).toBe('paths/protected_path');
    expect(tasks['touches-github']?.findings[0]).toMatchObject({ file: '.github/workflows/ci.yml', pattern: '.github/**' });
    expect(stoppedBy('failing-tests')).toBe('tests/tests_failed');
    expect(tasks['failing-tests']?.findings[0]?.evidence).toContain('add(2, 3) is 6, expected 5');
    expect(stoppedBy('too-many-lines')).toBe('limits/changed_lines');
    expect(stoppedBy('sleeper')).toBe('limits/wall_time');
    expect(stoppedBy('hides-behind-gitattributes')).toBe('symbols/eval');
    expect(stoppedBy('redirects-git')).toBe('paths/git_metadata');
    for (const id of ['imports-child-process', 'outside-allowed-paths', 'touches-github', 'failing-tests', 'too-many-lines', 'sleeper', 'hides-behind-gitattributes', 'redirects-git']) {
      expect(tasks[id], id).toMatchObject({ status: 'failed', attempts: 2, commit: null });
    }
    // A failed prerequisite skips its dependents (engine_v2's rule).
    expect(tasks['after-imports']).toMatchObject({ status: 'skipped', skipReason: 'prerequisite imports-child-process failed' });
    // Nothing of any failed attempt was committed, and every rollback left a clean worktree.
    expect(result.head).toBe(r.git('rev-parse', 'main').trim());
    expect(r.git('rev-parse', 'lane/nightly').trim()).toBe(r.git('rev-parse', 'main').trim());
    const finished = events.filter((e): e is LaneEvent<'attempt_finished'> => e.type === 'attempt_finished');
    expect(finished).toHaveLength(16);
    for (const e of finished) expect(e.data.rollback, `${e.taskId}#${e.attempt}`).toEqual({ ok: true, leftovers: [] });
    const timedOut = events.filter((e): e is LaneEvent<'agent_finished'> => e.type === 'agent_finished' && e.taskId === 'sleeper');
    expect(timedOut.map((e) => e.data.timedOut)).toEqual([true, true]);
    expect(result.status).toBe('completed');
  });

  it('retries once with the failure summary in the instructions, from a rolled-back worktree', async () => {
    const r = repo();
    const agent = r.agent(
      'learner',
      `grep -q 'a - b' src/math.mjs || { echo "worktree not rolled back" >&2; exit 1; }
if [ "$AGENTLANE_ATTEMPT" = 1 ]; then sed -i 's/a - b/a * b/' src/math.mjs; echo junk > src/junk.mjs; exit 0; fi
stdin=$(cat)
case "$stdin" in *"Previous attempt failed"*"add(2, 3) is 6, expected 5"*) ;; *) echo "no failure summary on stdin" >&2; exit 1;; esac
case "$AGENTLANE_INSTRUCTIONS" in *"tests/tests_failed"*) ;; *) echo "no failure summary in AGENTLANE_INSTRUCTIONS" >&2; exit 1;; esac
grep -q 'add(2, 3) is 6' "$AGENTLANE_INSTRUCTIONS_FILE"
[ -n "$AGENTLANE_FAILURE_SUMMARY" ]
[ ! -e src/junk.mjs ]
${FIX_ADD}`,
    );
    // An agent that crashes leaves untracked files behind (nothing was staged): the rollback removes them too.
    const crasher = r.agent(
      'crasher',
      `if [ "$AGENTLANE_ATTEMPT" = 1 ]; then mkdir -p src/gen && echo half > src/gen/half.mjs && echo x > .agentlane-tmp/t && echo "boom at step 3" >&2 && exit 3; fi
[ ! -e src/gen/half.mjs ] || { echo "untracked leftovers" >&2; exit 1; }
case "$AGENTLANE_FAILURE_SUMMARY" in *"[agent/exit_code] the agent exited with 3"*"boom at step 3"*) ;; *) echo "no summary" >&2; exit 1;; esac
echo 'export const two = 2;' > src/two.mjs`,
    );
    const { result, events } = await run(r, lane([task('learn', agent), task('crash-then-ok', crasher, { depends_on: ['learn'] })]));
    expect(byTask(result).learn).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(byTask(result)['crash-then-ok']).toMatchObject({ status: 'succeeded', attempts: 2 });
    const crashed = events.find((e): e is LaneEvent<'attempt_finished'> => e.type === 'attempt_finished' && e.taskId === 'crash-then-ok' && e.attempt === 1);
    expect(crashed?.data.rollback).toEqual({ ok: true, leftovers: [] });
    const retry = events.find((e): e is LaneEvent<'attempt_started'> => e.type === 'attempt_started' && e.attempt === 2);
    expect(retry?.data.retryContext).toContain('[tests/tests_failed]');
    expect(retry?.data.retryContext).toContain('add(2, 3) is 6, expected 5');
    expect(r.git('show', '--stat', '--format=', 'lane/nightly')).not.toContain('junk');
  });

  it('stops after two failures in a row: back to the last checkpoint, the rest left pending, and a notification', async () => {
    const r = repo();
    const hook = await webhookServer();
    try {
      const write = (name: string) => r.agent(name, `echo 'export const ${name} = 1;' > src/${name}.mjs`);
      const { result, events } = await run(
        r,
        lane(
          [
            task('g1', r.agent('g1', FIX_ADD)),
            task('g2', write('g2'), { kind: 'feature' }),
            task('g3', write('g3'), { kind: 'refactor' }),
            task('b1', r.agent('b1', `printf "const cp = require('child_process');\\n" > src/b1.js`)),
            task('b2', r.agent('b2', 'echo x > .github/evil.yml'), { allowed_paths: ['**'] }),
            task('g4', write('g4')),
          ],
          { checkpoint_every: 2, notifier: { webhook: hook.url } },
        ),
      );
      expect(result.status).toBe('stopped');
      const status = Object.fromEntries(result.tasks.map((t) => [t.id, t.status]));
      expect(status).toEqual({ g1: 'succeeded', g2: 'succeeded', g3: 'reverted', b1: 'failed', b2: 'failed', g4: 'pending' });
      // Checkpoint 1 after g2; g3 came after it and was undone by the reset.
      const cp = result.checkpoints[1];
      expect(cp).toMatchObject({ seq: 1, successes: 2 });
      expect(r.git('rev-parse', 'lane/nightly').trim()).toBe(cp?.commit);
      expect(r.git('rev-parse', `refs/tags/${cp?.tag}`).trim()).toBe(cp?.commit);
      expect(r.git('ls-tree', '--name-only', 'lane/nightly', 'src/')).toContain('src/g2.mjs');
      expect(r.git('ls-tree', '--name-only', 'lane/nightly', 'src/')).not.toContain('src/g3.mjs');
      expect(result.stop).toMatchObject({ failedTasks: ['b1', 'b2'], resetTo: { seq: 1 } });
      // The loopback webhook got the notification, and the URL's token is nowhere in the records.
      expect(hook.bodies).toHaveLength(1);
      expect(hook.bodies[0]).toMatchObject({ kind: 'lane_stopped', lane: 'nightly', runId: result.runId, details: { failedTasks: ['b1', 'b2'], pending: ['g4'], reverted: ['g3'] } });
      expect((hook.bodies[0] as { text: string }).text).toContain('b1: [imports]');
      expect(result.notification).toEqual({ ok: true, notifier: `webhook ${new URL(hook.url).origin}`, error: null });
      const buffer = fs.readFileSync(path.join(lanePaths(r.home).runs, result.runId, EVENTS_FILE), 'utf8');
      expect(buffer).not.toContain('s3cr3t-t0ken');
      expect(events.map((e) => e.type)).toContain('lane_stopped');
      expect(events.filter((e) => e.taskId === 'g4')).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('records a failed notification without failing the stop', async () => {
    const r = repo();
    const hook = await webhookServer(500);
    try {
      const bad = r.agent('bad', 'echo x > .github/x.yml');
      const { result } = await run(r, lane([task('a', bad, { allowed_paths: ['**'] }), task('b', bad, { allowed_paths: ['**'] })], { notifier: { webhook: hook.url } }));
      expect(result.status).toBe('stopped');
      expect(result.notification).toMatchObject({ ok: false, error: expect.stringContaining('answered 500') });
      expect(result.notification?.error).not.toContain('s3cr3t');
    } finally {
      await hook.close();
    }
  });

  it('refuses to start when an agent does not answer its health probe', async () => {
    const r = repo();
    const laneObject = lane([{ ...task('a', r.agent('a', FIX_ADD)), agent: { command: ['bash', 'x'], probe: ['bash', '-c', 'echo broken >&2; exit 9'] } }]);
    await expect(run(r, laneObject)).rejects.toMatchObject({ code: 'LANE_HEALTH_CHECK_FAILED', message: expect.stringContaining('exited with 9: broken') });
    const runs = fs.readdirSync(lanePaths(r.home).runs);
    const { events } = readEvents(path.join(lanePaths(r.home).runs, runs[0] as string, EVENTS_FILE));
    expect(events.map((e) => e.type)).toEqual(['run_started', 'health_checked', 'run_failed']);
  });

  it('fails with stable codes on a bad repository, base or a busy lane', async () => {
    const r = repo();
    const laneObject = lane([task('a', r.agent('a', FIX_ADD))]);
    await expect(run(r, { ...laneObject, base: 'nope' })).rejects.toMatchObject({ code: 'LANE_BASE_NOT_FOUND' });
    await expect(run(r, { ...laneObject, branch: 'bad..name' })).rejects.toMatchObject({ code: 'LANE_FILE_INVALID' });
    await expect(runLane({ lane: loadLaneFile(r.laneFile(laneObject)), repoRoot: r.scratch, home: r.home })).rejects.toMatchObject({ code: 'LANE_NOT_A_REPOSITORY' });
    r.git('checkout', '-q', '-b', 'lane/nightly');
    await expect(run(r, laneObject)).rejects.toMatchObject({ code: 'LANE_GIT_FAILED', message: expect.stringContaining('is checked out') });
    r.git('checkout', '-q', 'main');
    const lock = acquireFileLock(lanePaths(r.home).lock);
    fs.writeFileSync(lanePaths(r.home).lock, String(process.ppid));
    try {
      await expect(run(r, laneObject)).rejects.toMatchObject({ code: 'LANE_BUSY' });
    } finally {
      lock.release();
    }
  });

  it('ends an interrupted run at once: agent killed, attempt rolled back, run recorded as failed', async () => {
    const r = repo();
    const controller = new AbortController();
    const started = Date.now();
    const laneFile = loadLaneFile(r.laneFile(lane([task('slow', r.agent('slow', `${FIX_ADD}\nsleep 30`), { limits: { wall_time_s: 60 } }), task('next', r.agent('next', FIX_ADD))])));
    const onEvent = (e: LaneEvent) => {
      if (e.type === 'agent_started') setTimeout(() => controller.abort(), 100);
    };
    await expect(runLane({ lane: laneFile, repoRoot: r.root, home: r.home, onEvent, signal: controller.signal })).rejects.toMatchObject({ code: 'LANE_INTERRUPTED' });
    expect(Date.now() - started).toBeLessThan(15_000);
    const runId = fs.readdirSync(lanePaths(r.home).runs)[0] as string;
    const { events } = readEvents(path.join(lanePaths(r.home).runs, runId, EVENTS_FILE));
    expect(events.slice(-4).map((e) => e.type)).toEqual(['agent_finished', 'attempt_finished', 'task_finished', 'run_failed']);
    expect((events.at(-3) as LaneEvent<'attempt_finished'>).data).toMatchObject({ rollback: { ok: true }, findings: [{ validator: 'agent', rule: 'interrupted' }] });
    expect(events.some((e) => e.taskId === 'next')).toBe(false);
    expect(r.git('rev-parse', 'lane/nightly').trim()).toBe(r.git('rev-parse', 'main').trim());
    expect(r.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('sweeps stale lane worktrees and task branches at start', async () => {
    const r = repo();
    const stale = path.join(lanePaths(r.home).worktrees, 'deadbeef-old');
    r.git('worktree', 'add', '-q', '-b', 'agentlane-task/deadbeef/old', stale, 'main');
    fs.mkdirSync(path.join(lanePaths(r.home).worktrees, 'orphan-dir'));
    const { events } = await run(r, lane([task('a', r.agent('a', FIX_ADD))]));
    const cleaned = events.find((e): e is LaneEvent<'worktrees_cleaned'> => e.type === 'worktrees_cleaned');
    expect(cleaned?.data.branches).toEqual(['agentlane-task/deadbeef/old']);
    expect(cleaned?.data.worktrees).toEqual(expect.arrayContaining([stale, path.join(lanePaths(r.home).worktrees, 'orphan-dir')]));
    expect(fs.existsSync(stale)).toBe(false);
    expect(r.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  });
});

const bwrapOff = process.env.AGENTLANE_TEST_BWRAP === 'off';
describe.skipIf(bwrapOff)(`lane run under bwrap${bwrapOff ? ' (skipped: AGENTLANE_TEST_BWRAP=off)' : ''}`, () => {
  it('fails and reports an agent that opens a network connection; a write outside the worktree never reaches the host', async () => {
    const r = repo();
    const hook = await webhookServer();
    const port = new URL(hook.url).port;
    const outside = path.join(r.scratch, 'escaped.txt');
    try {
      const { result } = await run(
        r,
        lane(
          [
            task('phones-home', r.agent('net', `${FIX_ADD}\nnode -e "require('http').get('http://127.0.0.1:${port}/x', () => process.exit(0)).on('error', (e) => { console.error('network:', e.code); process.exit(4); })"`)),
            task('escapes', r.agent('esc', `${FIX_ADD}\necho pwned > '${outside}' || true\necho pwned > /usr/escaped.txt`)),
          ],
          { sandbox: 'bwrap', stop_after_failures: 5 },
        ),
      );
      expect(result.sandbox).toEqual({ kind: 'bwrap', warning: null });
      const tasks = byTask(result);
      expect(tasks['phones-home']).toMatchObject({ status: 'failed', attempts: 2 });
      expect(tasks['phones-home']?.findings[0]).toMatchObject({ validator: 'agent', rule: 'exit_code', message: 'the agent exited with 4' });
      expect(tasks['phones-home']?.findings[0]?.evidence).toMatch(/network: (ECONNREFUSED|ENETUNREACH)/);
      expect(hook.bodies).toHaveLength(0);
      expect(tasks.escapes).toMatchObject({ status: 'failed', attempts: 2 });
      expect(tasks.escapes?.findings[0]?.evidence).toMatch(/Read-only file system/);
      // The scratch directory is on the host's /tmp, which the sandbox does not see (it has a private one).
      expect(fs.existsSync(outside)).toBe(false);
      expect(fs.existsSync('/usr/escaped.txt')).toBe(false);
      expect(r.git('rev-parse', 'lane/nightly').trim()).toBe(r.git('rev-parse', 'main').trim());
    } finally {
      await hook.close();
    }
  });

  it('gives the agent an uplink only when the lane file allows it, never the host loopback, and never the tests', async () => {
    const r = repo();
    // Listening on every address: 127.0.0.1 must stay closed to the agent; the host's outside address is what its uplink reaches.
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      req.on('data', (chunk: Buffer) => bodies.push(chunk.toString()));
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as { port: number }).port;
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    const call = (host: string) =>
      `node -e "require('http').request({ host: '${host}', port: ${port}, method: 'POST', path: '/x' }, () => process.exit(0)).on('error', (e) => { console.error('network:', e.code); process.exit(4); }).end('{}')"`;
    try {
      const outward = external ? `${call(external)}\n` : '';
      const agent = r.agent('online', `${outward}${call('127.0.0.1')} && exit 9 || true\n${FIX_ADD}\nprintf '%s\\n' "${call(external ?? '127.0.0.1').replace(/"/g, '\\"')}" > src/net.sh`);
      const { result } = await run(
        r,
        lane([{ ...task('online', agent), agent: { command: ['bash', agent], network: true } }], {
          sandbox: 'bwrap',
          test: ['bash', '-c', 'node test/check.mjs && bash src/net.sh'],
        }),
      );
      // The agent reached the outside address (once per attempt), never loopback; the test command, under the same sandbox, reached nothing.
      expect(bodies.length).toBe(external ? 2 : 0);
      const online = byTask(result).online;
      expect(online?.findings[0]).toMatchObject({ validator: 'tests', rule: 'tests_failed' });
      expect(online?.findings[0]?.evidence).toMatch(/network: (ECONNREFUSED|ENETUNREACH)/);
    } finally {
      server.close();
    }
  });
});
