import fs from 'node:fs';
import path from 'node:path';
import { AgentlaneError } from '@agentlane/core';
import { BUILTIN_WORKFLOWS } from './builtin.js';
import { parseWorkflowText, type Workflow } from './schema.js';

const MAX_FILE_BYTES = 1024 * 1024;

/** Read a workflow from a `.yaml`/`.yml`/`.json` file, or `builtin:<name>`. */
export function loadWorkflow(spec: string): Workflow {
  if (spec.startsWith('builtin:')) {
    const make = BUILTIN_WORKFLOWS[spec.slice('builtin:'.length)];
    if (!make) {
      throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `No built-in workflow "${spec}" (have: ${Object.keys(BUILTIN_WORKFLOWS).map((n) => `builtin:${n}`).join(', ')})`);
    }
    return make();
  }
  const file = path.resolve(spec);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `Workflow file not found: ${spec}`, { details: { file: spec } });
  }
  if (!stat.isFile()) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `Not a file: ${spec}`, { details: { file: spec } });
  if (stat.size > MAX_FILE_BYTES) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `Workflow file is larger than 1 MiB: ${spec}`);
  const text = fs.readFileSync(file, 'utf8');
  return parseWorkflowText(text, { format: file.endsWith('.json') ? 'json' : 'yaml', sourceDir: path.dirname(file) });
}
