import { assertRepository } from '@agentlane/kg/query';
import { openContext, type CommandContext } from '../context.js';

/**
 * The context of a command that reads the graph: the database must hold this
 * repository's index (KG_REPOSITORY_MISMATCH otherwise), so a query never answers
 * with another repository's code.
 */
export async function openKgContext(repo: string): Promise<CommandContext> {
  const ctx = await openContext(repo);
  try {
    await assertRepository(ctx.sql, ctx.repoRoot);
  } catch (error) {
    await ctx.close();
    throw error;
  }
  return ctx;
}
