import { isAgentlaneError } from '@agentlane/core';

/** The stable code a call fails with, or `ok`; anything that is not an AgentlaneError is rethrown. */
export function codeOf(work: () => unknown): string {
  try {
    work();
    return 'ok';
  } catch (error) {
    if (isAgentlaneError(error)) return error.code;
    throw error;
  }
}
