import type { Cell } from '../cells/schema.js';
import type { AskCommand } from '../ask/parse.js';
import type { Policy } from '../policy/schema.js';
import { CONTRACT_INSTRUCTIONS } from './contract.js';
import type { EvidenceItem } from './evidence.js';

/**
 * CONTEXT_JSON: everything the model sees for one `/ask`, as one JSON document.
 * No ids, times or machine paths: the same ask on the same repository gives the
 * same bytes, so a recorded answer replays.
 */
export interface ContextJson {
  version: 1;
  cell: { key: string; role: string; north_star: string; category: string; action: string; action_description: string };
  ask: { actor: string; args: string[]; options: Record<string, string>; plan_only: boolean };
  policy: { category: string; paths: string[]; max_files: number | null; max_changed_lines: number | null; merge: string };
  state: string;
  evidence: EvidenceItem[];
}

export function buildContextJson(cell: Cell, command: AskCommand, actor: string, policy: Policy, state: string, evidence: EvidenceItem[]): ContextJson {
  const category = policy.categories[cell.category];
  return {
    version: 1,
    cell: {
      key: cell.key,
      role: cell.role,
      north_star: cell.north_star,
      category: cell.category,
      action: command.action,
      action_description: cell.actions[command.action]?.description ?? '',
    },
    ask: { actor, args: command.args, options: Object.fromEntries(Object.entries(command.options).sort(([a], [b]) => a.localeCompare(b))), plan_only: command.planOnly },
    policy: {
      category: cell.category,
      paths: (category?.paths ?? []).map((glob) => glob.replace(/\{cell\}/g, cell.key)),
      max_files: category?.max_files ?? null,
      max_changed_lines: category?.max_changed_lines ?? null,
      merge: category?.merge ?? 'review',
    },
    state,
    evidence,
  };
}

/** The system prompt: who the model is working for, and the contract. */
export function systemPrompt(context: ContextJson): string {
  return [
    `You are the agent of the cell "${context.cell.key}" (${context.cell.role}) in a repository run the GitOps way.`,
    `Its North Star: ${context.cell.north_star}`,
    `Every change you propose becomes a pull request judged by the u_contract category "${context.policy.category}" (paths: ${context.policy.paths.join(', ')}).`,
    context.ask.plan_only ? 'This ask is plan-only: answer with a summary and a plan, and no state_patch, memory_patch or edits.' : '',
    CONTRACT_INSTRUCTIONS,
  ]
    .filter(Boolean)
    .join('\n');
}
