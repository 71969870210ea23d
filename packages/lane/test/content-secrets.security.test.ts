import { afterEach, describe, expect, it } from 'vitest';
import { clearRegisteredSecretValues, registerSecretValues } from '@agentlane/core';
import { validateProposedFiles } from '../src/index.js';

afterEach(() => clearRegisteredSecretValues());

// An /ask answer is an LLM's text: the edits it proposes are judged like a lane agent's.
describe('security: ask proposals', () => {
  const base = async () => 'export const a = 1;\n';

  it('a proposal that adds a token shape is stopped, and the finding does not show it', async () => {
    const token = `github_pat_${'Ab12'.repeat(16)}`;
    const findings = await validateProposedFiles([{ path: 'src/a.ts', content: `export const a = 1;\nexport const t = '${token}';\n` }], base);
    expect(findings.map((f) => f.validator)).toContain('secrets');
    expect(JSON.stringify(findings)).not.toContain(token);
  });

  it('a proposal that adds a configured secret of no known shape is stopped', async () => {
    registerSecretValues(['plain-configured-secret-42']);
    const findings = await validateProposedFiles([{ path: 'notes.md', content: 'password: plain-configured-secret-42\n' }], async () => null);
    expect(findings.some((f) => f.validator === 'secrets' && f.rule === 'configured_secret')).toBe(true);
    expect(JSON.stringify(findings)).not.toContain('plain-configured-secret-42');
  });

  it('lines already on the base branch are not judged again', async () => {
    registerSecretValues(['plain-configured-secret-42']);
    const findings = await validateProposedFiles([{ path: 'notes.md', content: 'old plain-configured-secret-42\nnew line\n' }], async () => 'old plain-configured-secret-42\n');
    expect(findings.filter((f) => f.validator === 'secrets')).toEqual([]);
  });
});
