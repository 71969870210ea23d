import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkflow, type JobStatus } from '../src/index.js';
import { tempDir, useEngineDatabase, withEngine } from './support/engine.js';
import { alive } from '../../../test/support/process.js';

const node = process.execPath;

describe('the exec agent (through the engine, on PGlite)', () => {
  const database = useEngineDatabase('pglite');

  async function runOne(taskDef: Record<string, unknown>, input: unknown = {}, staging = tempDir('staging')): Promise<{ result: JobStatus; attempts: { status: string; error: Record<string, unknown> | null }[] }> {
    const workflow = parseWorkflow({ tasks: [{ key: 'only', role: 'r', agent: 'exec', max_attempts: 1, ...taskDef }] });
    return withEngine({ sql: database.db.sql, stagingRoot: staging }, async (engine) => {
      const result = await engine.run(workflow, { input: input as never });
      const { rows } = await database.db.sql.query<{ status: string; error: Record<string, unknown> | null }>(
        `SELECT a.status, a.error FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1`,
        [result.jobId],
      );
      return { result, attempts: rows };
    });
  }

  it('passes the task input on stdin, runs in the staging dir, and takes stdout as JSON output', async () => {
    const staging = tempDir('staging');
    const script = 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=JSON.parse(s);require("fs").writeFileSync("mark.txt","x");console.log(JSON.stringify({cwd:process.cwd(),msg:i.job.input.msg,key:i.task.key,db:process.env.DATABASE_URL??null,job:process.env.AGENTLANE_JOB_ID}))})';
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://u:secret@h/db';
    const { result } = await runOne({ command: [node, '-e', script] }, { msg: 'hi; rm -rf /' }, staging).finally(() => {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    });
    expect(result.status).toBe('succeeded');
    const output = result.output as { cwd: string; msg: string; key: string; db: string | null; job: string };
    expect(output.msg).toBe('hi; rm -rf /');
    expect(output.key).toBe('only');
    expect(output.db).toBeNull();
    expect(output.job).toBe(result.jobId);
    expect(fs.realpathSync(output.cwd)).toBe(fs.realpathSync(path.join(staging, result.jobId)));
    expect(fs.existsSync(path.join(staging, result.jobId, 'mark.txt'))).toBe(true);
  });

  it('never uses a shell: metacharacters in argv stay literal', async () => {
    const { result } = await runOne({ command: [node, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '$(touch /tmp/pwned)', '; echo hi', '|x'] });
    expect(result.output).toEqual(['$(touch /tmp/pwned)', '; echo hi', '|x']);
  });

  it('fails on a non-zero exit with the end of stderr recorded', async () => {
    const { result, attempts } = await runOne({ command: [node, '-e', 'console.error("x".repeat(9000)+"\\nreal reason");process.exit(3)'] });
    expect(result.status).toBe('failed');
    expect(result.tasks[0]?.errorCode).toBe('exec_failed');
    expect(result.tasks[0]?.errorMessage).toContain('exited with code 3: real reason');
    const details = attempts[0]?.error?.details as { stderr: string; exitCode: number };
    expect(details.exitCode).toBe(3);
    expect(details.stderr.endsWith('real reason')).toBe(true);
    expect(details.stderr.length).toBeLessThanOrEqual(4097);
  });

  it('fails when stdout is not JSON, or the command does not exist', async () => {
    expect((await runOne({ command: [node, '-e', 'console.log("not json")'] })).result.tasks[0]?.errorCode).toBe('exec_output_invalid');
    expect((await runOne({ command: ['/no/such/binary'] })).result.tasks[0]?.errorCode).toBe('exec_spawn_failed');
  });

  it('kills the process group on the task timeout: the work really stops', async () => {
    const staging = tempDir('staging');
    // The command starts a grandchild that would write a file 2.5 s later; the task times out after 1.5 s.
    const script = `const {spawn}=require("child_process");const c=spawn(process.execPath,["-e","setTimeout(()=>require('fs').writeFileSync('late.txt','x'),2500)"],{stdio:"ignore"});require("fs").writeFileSync("pids",process.pid+" "+c.pid);setInterval(()=>{},1000)`;
    const { result, attempts } = await runOne({ command: [node, '-e', script], timeout: '1500ms' }, {}, staging);
    expect(result.status).toBe('failed');
    expect(result.tasks[0]?.errorCode).toBe('task_timeout');
    expect(attempts[0]?.error).toMatchObject({ code: 'task_timeout' });
    const dir = path.join(staging, result.jobId);
    const pids = fs.readFileSync(path.join(dir, 'pids'), 'utf8').split(' ').map(Number);
    await new Promise((r) => setTimeout(r, 2500));
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'late.txt'))).toBe(false);
  });

  it('kills what a command leaves running in the background when it exits', async () => {
    const staging = tempDir('staging');
    // A detached background process (it would keep stdout open and outlive the task) and a setsid one.
    const { result } = await runOne({ command: ['sh', '-c', 'sleep 300 >/dev/null 2>&1 & echo $! > bg; setsid sleep 301 >/dev/null 2>&1 & echo $! >> bg; echo \'{"ok": true}\''] }, {}, staging);
    expect(result.status).toBe('succeeded');
    const pids = fs.readFileSync(path.join(staging, result.jobId, 'bg'), 'utf8').trim().split(/\s+/).map(Number);
    expect(pids).toHaveLength(2);
    for (let i = 0; i < 50 && pids.some((pid) => alive(pid)); i += 1) await new Promise((r) => setTimeout(r, 50));
    for (const pid of pids) expect(alive(pid), `background process ${pid}`).toBe(false);
  });

  it('is rejected at submit time without a command', async () => {
    const error = await runOne({}).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe('ENGINE_WORKFLOW_INVALID');
    expect((error as Error).message).toContain('needs `command`');
  });
});
