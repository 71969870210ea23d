import { AgentlaneError } from '@agentlane/core';

/** Run one statement, turning a driver error into DB_QUERY_FAILED with the SQLSTATE and the statement's first line. */
export async function guardQuery<T>(text: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const firstLine = text.trim().split('\n')[0]?.slice(0, 120) ?? '';
    throw new AgentlaneError('DB_QUERY_FAILED', `${message} (in: ${firstLine})`, {
      cause: error,
      details: { pgCode: (error as { code?: string }).code },
    });
  }
}
