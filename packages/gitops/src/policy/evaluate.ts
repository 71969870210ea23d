import picomatch from 'picomatch';
import { ALWAYS_PROTECTED, type Policy, type PolicyCategory } from './schema.js';

/** One file of a change, as `git diff --numstat` and the forge's PR files report it. */
export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  /** For a rename, where the file came from (it is checked too). */
  previousPath?: string;
  additions: number;
  deletions: number;
}

export interface ChangeRequest {
  /** The u_contract category the change claims. */
  category: string;
  /** The cell making the change; fills `{cell}` in the category's paths. */
  cell?: string;
  files: readonly ChangedFile[];
}

export interface Actor {
  login: string;
  /** Agent changes are held to the policy; a human's change is only ever sent to review. */
  kind: 'agent' | 'human';
}

export type Verdict = 'allow' | 'review' | 'deny';

export interface PolicyDecision {
  verdict: Verdict;
  /** Why, one line each; for `deny`, every violation found, not just the first. */
  reasons: string[];
  category: string;
  merge: PolicyCategory['merge'] | null;
  requiredChecks: string[];
  changedLines: number;
}

const matcher = (globs: readonly string[]) => picomatch([...globs], { dot: true });

/** The path if it is a plain relative path (no `..`, `.`, `.git`, empty segments, backslashes or NUL), else null. */
export function normalisedPath(path: string): string | null {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return null;
  const parts = path.split('/');
  if (parts.some((part) => part === '..' || part === '.' || part === '' || part.toLowerCase() === '.git')) return null;
  return path;
}

/**
 * Decide a change under a policy. Pure: the same policy, change and actor always
 * give the same decision, so it can run before the push (a denied change never
 * leaves the lane) and again in CI on the real PR diff with the base branch's policy.
 *
 * - deny: a protected path (`.github/**`, the policy file, the policy's own list),
 *   an unknown category, a path outside the category, a path that is not a plain
 *   relative path, an empty change, more files or lines than the category allows;
 * - review: allowed, but the category merges only after a human review (or the
 *   actor is a human);
 * - allow: allowed, and it merges by itself once the required checks are green.
 */
export function evaluate(policy: Policy, change: ChangeRequest, actor: Actor): PolicyDecision {
  const reasons: string[] = [];
  const category = policy.categories[change.category];
  const changedLines = change.files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
  const decision = (verdict: Verdict): PolicyDecision => ({
    verdict,
    reasons,
    category: change.category,
    merge: category?.merge ?? null,
    requiredChecks: category?.required_checks ?? [],
    changedLines,
  });

  if (!category) {
    reasons.push(`unknown u_contract category ${JSON.stringify(change.category)} (known: ${Object.keys(policy.categories).join(', ')})`);
    return decision('deny');
  }
  if (change.files.length === 0) reasons.push('the change touches no files');

  const isProtected = matcher([...ALWAYS_PROTECTED, ...policy.protected_paths]);
  const usesCell = category.paths.some((glob) => glob.includes('{cell}'));
  if (usesCell && !(change.cell && /^[a-z0-9][a-z0-9-]*$/.test(change.cell))) {
    reasons.push(`category ${change.category} is scoped to a cell, and the change names no valid cell`);
  }
  const inCategory = matcher(category.paths.map((glob) => glob.replace(/\{cell\}/g, change.cell ?? '\0')));

  for (const file of change.files) {
    for (const raw of file.previousPath === undefined ? [file.path] : [file.path, file.previousPath]) {
      const path = normalisedPath(raw);
      if (path === null) {
        reasons.push(`${JSON.stringify(raw)} is not a plain relative path`);
        continue;
      }
      if (isProtected(path)) reasons.push(`${path} is protected: no agent change may touch it`);
      else if (!inCategory(path)) reasons.push(`${path} is outside ${change.category} (${category.paths.join(', ')})`);
    }
  }
  if (category.max_files !== undefined && change.files.length > category.max_files) {
    reasons.push(`${change.files.length} files changed; ${change.category} allows at most ${category.max_files}`);
  }
  if (category.max_changed_lines !== undefined && changedLines > category.max_changed_lines) {
    reasons.push(`${changedLines} lines changed; ${change.category} allows at most ${category.max_changed_lines}`);
  }
  if (reasons.length > 0) return decision(actor.kind === 'human' ? 'review' : 'deny');

  if (actor.kind === 'human') {
    reasons.push('a human change is reviewed by a human');
    return decision('review');
  }
  if (category.merge === 'review') {
    reasons.push(`${change.category} merges after review`);
    return decision('review');
  }
  reasons.push(`${change.category}: ${change.files.length} files, ${changedLines} lines, within limits; merges when ${category.required_checks.join(', ') || 'its checks'} pass`);
  return decision('allow');
}
