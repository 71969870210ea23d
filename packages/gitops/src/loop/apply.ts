import { AgentlaneError } from '@agentlane/core';
import type { FileEdit } from '../forge/port.js';
import { normalisedPath, type ChangedFile } from '../policy/evaluate.js';
import { readSections, STATE_PATH, writeSections } from '../state/markers.js';
import type { LlmResponseV1 } from './contract.js';

/** Keep at most this many memory notes per cell (oldest dropped). */
export const MEMORY_NOTES = 50;

/** Reads a file at the base of the change; null when it does not exist. */
export type BaseReader = (path: string) => Promise<string | null>;

export interface ProposedChange {
  edits: FileEdit[];
  files: ChangedFile[];
}

function lines(text: string | null): string[] {
  if (text === null || text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** Lines added and removed between two versions (a longest-common-subsequence diff, as git counts). */
export function countChangedLines(before: string | null, after: string | null): { additions: number; deletions: number } {
  const a = lines(before);
  const b = lines(after);
  // Trim the common prefix and suffix first: most edits are local, and the LCS table stays small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length * y.length > 4_000_000) return { additions: y.length, deletions: x.length };
  let previous = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i += 1) {
    const row = new Array<number>(y.length + 1).fill(0);
    for (let j = 1; j <= y.length; j += 1) row[j] = x[i - 1] === y[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, row[j - 1] as number);
    previous = row;
  }
  const common = previous[y.length] as number;
  return { additions: y.length - common, deletions: x.length - common };
}

/**
 * Turn a contract answer into whole-file edits against the base: STATE sections
 * (human text kept byte for byte), memory notes in the cell's `memory-<cell>`
 * section, and the answer's own edits. Edits that change nothing are dropped; two
 * edits of one path are an error.
 */
export async function proposeChange(answer: LlmResponseV1, cellKey: string, readBase: BaseReader): Promise<ProposedChange> {
  const next = new Map<string, string | null>();
  for (const edit of answer.edits ?? []) {
    if (normalisedPath(edit.path) === null) throw new AgentlaneError('POLICY_DENIED', `The answer edits ${JSON.stringify(edit.path)}, which is not a plain relative path`, { details: { path: edit.path } });
    if (next.has(edit.path)) throw new AgentlaneError('POLICY_DENIED', `The answer edits ${edit.path} twice`, { details: { path: edit.path } });
    next.set(edit.path, edit.content);
  }
  const sections: Record<string, string> = { ...(answer.state_patch ?? {}) };
  if (answer.memory_patch && answer.memory_patch.length > 0) {
    if (next.has(STATE_PATH)) throw new AgentlaneError('POLICY_DENIED', `The answer edits ${STATE_PATH} and patches it too`, { details: { path: STATE_PATH } });
    const key = `memory-${cellKey}`;
    const current = readSections((await readBase(STATE_PATH)) ?? '').get(key);
    const notes = [...(current ? current.split('\n').filter((l) => l.startsWith('- ')) : []), ...answer.memory_patch.map((n) => `- ${n.replace(/\s*\n\s*/g, ' ')}`)];
    sections[key] = notes.slice(-MEMORY_NOTES).join('\n');
  }
  if (Object.keys(sections).length > 0) {
    if (next.has(STATE_PATH)) throw new AgentlaneError('POLICY_DENIED', `The answer edits ${STATE_PATH} and patches it too`, { details: { path: STATE_PATH } });
    next.set(STATE_PATH, writeSections((await readBase(STATE_PATH)) ?? '# Current state\n', sections));
  }
  const edits: FileEdit[] = [];
  const files: ChangedFile[] = [];
  for (const [file, content] of [...next.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const before = await readBase(file);
    if (before === content || (before === null && content === null)) continue;
    edits.push({ path: file, content });
    files.push({ path: file, status: before === null ? 'added' : content === null ? 'removed' : 'modified', ...countChangedLines(before, content) });
  }
  return { edits, files };
}
