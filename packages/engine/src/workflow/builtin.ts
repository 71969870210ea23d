import { parseWorkflow, type Workflow, type WorkflowDocument } from './schema.js';

/**
 * The seed's default workflow (seed 001 §7): intent → plan → codegen ∥ asset →
 * qa_review → fix → publish_prep, with its weights, attempts and branches:
 * `intent === 'chat'` skips everything after intent, `qa_review.issues === 0` skips fix.
 * Each task names an agent after itself; `seedStubAgents()` registers the stand-ins of
 * seed 000 so the workflow runs before real agents are plugged in.
 */
export const DEFAULT_WORKFLOW_DOCUMENT = {
  name: 'default',
  description: 'seed 001 §7: intent → plan → codegen ∥ asset → qa_review → fix → publish_prep',
  result: 'publish_prep',
  tasks: [
    { key: 'intent', role: 'planner', agent: 'intent', weight: 1, label: 'Analysing the request…', max_attempts: 2 },
    {
      key: 'plan',
      role: 'planner',
      agent: 'plan',
      weight: 2,
      label: 'Designing…',
      max_attempts: 2,
      skip_if: { task: 'intent', path: 'intent', equals: 'chat' },
      skip_downstream: true,
    },
    { key: 'codegen', role: 'builder', agent: 'codegen', weight: 5, label: 'Generating code…', max_attempts: 2 },
    { key: 'asset', role: 'asset', agent: 'asset', weight: 4, label: 'Generating images…', max_attempts: 2 },
    { key: 'qa_review', role: 'qa', agent: 'qa_review', weight: 2, label: 'Reviewing quality…', max_attempts: 1 },
    {
      key: 'fix',
      role: 'builder',
      agent: 'fix',
      weight: 2,
      label: 'Fixing…',
      max_attempts: 2,
      skip_if: { task: 'qa_review', path: 'issues', equals: 0 },
    },
    { key: 'publish_prep', role: 'publisher', agent: 'publish_prep', weight: 1, label: 'Finishing…', max_attempts: 1 },
  ],
  dependencies: [
    ['intent', 'plan'],
    ['plan', 'codegen'],
    ['plan', 'asset'],
    ['codegen', 'qa_review'],
    ['qa_review', 'fix'],
    ['fix', 'publish_prep'],
    ['asset', 'publish_prep'],
  ],
} satisfies WorkflowDocument;

export function defaultWorkflow(): Workflow {
  return parseWorkflow(DEFAULT_WORKFLOW_DOCUMENT);
}

/** Built-in workflows by name, for `--workflow builtin:<name>`. */
export const BUILTIN_WORKFLOWS: Readonly<Record<string, () => Workflow>> = { default: defaultWorkflow };
