import { describe, expect, it } from 'vitest';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { runCli } from './support/cli.js';

describe('agentlane kg index --precise', () => {
  it('runs the checker pass with --precise, and not with --no-precise even when KG_PRECISE is set', async () => {
    const root = writeRepo(SAMPLE_REPO);
    const precise = await runCli(['kg', 'index', root, '--precise', '--precise-budget', '60000']);
    expect(precise.code, precise.stderr).toBe(0);
    expect(precise.stdout).toMatch(/precise +checker on 3\/3 files/);

    const off = await runCli(['kg', 'index', root, '--json', '--full', '--no-precise'], { env: { KG_PRECISE: 'true' } });
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout).precise).toBeNull();
  }, 180_000);
});
