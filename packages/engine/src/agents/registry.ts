import { AgentlaneError } from '@agentlane/core';
import type { Workflow } from '../workflow/schema.js';
import { execAgent } from './exec.js';
import { noopAgent } from './noop.js';
import type { Agent } from './types.js';

/** Agents by name. Built in: `exec` (run a command) and `noop` (return `with.output`). */
export class AgentRegistry {
  private readonly agents = new Map<string, Agent>();

  constructor(agents: readonly Agent[] = []) {
    for (const agent of agents) this.register(agent);
  }

  register(agent: Agent): this {
    this.agents.set(agent.name, agent);
    return this;
  }

  has(name: string): boolean {
    return this.agents.has(name);
  }

  get(name: string): Agent {
    const agent = this.agents.get(name);
    if (!agent) throw new AgentlaneError('ENGINE_AGENT_UNKNOWN', `No agent named "${name}" is registered (have: ${this.names().join(', ')})`, { details: { agent: name } });
    return agent;
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }

  /** Every task's agent exists and accepts its definition; throws listing all problems. */
  check(workflow: Workflow): void {
    const unknown = [...new Set(workflow.tasks.filter((t) => !this.agents.has(t.agent)).map((t) => t.agent))];
    if (unknown.length > 0) {
      throw new AgentlaneError('ENGINE_AGENT_UNKNOWN', `Workflow "${workflow.name}" uses unregistered agent(s): ${unknown.join(', ')} (have: ${this.names().join(', ')})`, {
        details: { agents: unknown },
      });
    }
    const problems = workflow.tasks.flatMap((task) => (this.agents.get(task.agent)?.validate?.(task) ?? []).map((p) => `task "${task.key}": ${p}`));
    if (problems.length > 0) {
      throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `Invalid workflow: ${problems.join('; ')}`, { details: { problems } });
    }
  }
}

/** A registry with the built-in agents plus `extra` (later names replace earlier ones). */
export function createAgentRegistry(extra: readonly Agent[] = []): AgentRegistry {
  return new AgentRegistry([execAgent(), noopAgent(), ...extra]);
}
