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

/** The stable code a promise rejects with, or `ok`; anything that is not an AgentlaneError is rethrown. */
export async function rejectionCodeOf(pending: Promise<unknown>): Promise<string> {
  try {
    await pending;
    return 'ok';
  } catch (error) {
    if (isAgentlaneError(error)) return error.code;
    throw error;
  }
}
