import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { AgentlaneError } from '@agentlane/core';
import type { Forge } from '../forge/port.js';
import { parseYamlWith } from '../yaml-file.js';
import { policySchema, type Policy } from './schema.js';

const run = promisify(execFile);

/** Where a repository keeps its policy. */
export const POLICY_PATH = 'cells/u_contract.yaml';

export function parsePolicy(text: string, source = POLICY_PATH): Policy {
  return parseYamlWith(policySchema, text, source, 'POLICY_INVALID');
}

/** The policy in a working tree. */
export async function loadPolicy(repoRoot: string): Promise<Policy> {
  const file = path.join(repoRoot, POLICY_PATH);
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new AgentlaneError('POLICY_INVALID', `No policy at ${file}`, { details: { path: file } });
  });
  return parsePolicy(text, file);
}

/**
 * The policy as committed on a ref (the base branch of a pull request): what a PR
 * changes in its own policy file has no effect on the verdict of that same PR.
 */
export async function loadPolicyAt(repoRoot: string, ref: string): Promise<Policy> {
  if (!/^[A-Za-z0-9._/-]+$/.test(ref) || ref.startsWith('-')) {
    throw new AgentlaneError('POLICY_INVALID', `Not a git ref: ${JSON.stringify(ref)}`, { details: { ref } });
  }
  try {
    const { stdout } = await run('git', ['show', `${ref}:${POLICY_PATH}`], { cwd: repoRoot, maxBuffer: 4 * 1024 * 1024 });
    return parsePolicy(stdout, `${ref}:${POLICY_PATH}`);
  } catch (error) {
    if (error instanceof AgentlaneError) throw error;
    throw new AgentlaneError('POLICY_INVALID', `No policy at ${ref}:${POLICY_PATH}`, { details: { ref } });
  }
}

/**
 * The policy as it is on a forge's branch right now (never the pull request's own):
 * read when a change is proposed, and again when it is about to merge.
 */
export async function loadPolicyOn(forge: Pick<Forge, 'readFile'>, branch: string): Promise<{ policy: Policy; ref: string }> {
  const ref = `${branch}:${POLICY_PATH}`;
  const text = await forge.readFile(branch, POLICY_PATH);
  if (text === null) throw new AgentlaneError('POLICY_INVALID', `No ${POLICY_PATH} on ${branch}`, { details: { ref } });
  return { policy: parsePolicy(text, ref), ref };
}
