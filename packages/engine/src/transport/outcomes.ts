import type { Logger } from '@agentlane/core';

/**
 * Attempts whose agent has finished and whose outcome is still being stored (see
 * `runClaimed`). A worker pool tracks them here: at most `limit` at once (the pool waits
 * for one to settle before taking more work), all of them before the pool stops. A store
 * that fails is logged: the task stays `running` with its lease and is re-claimed when
 * the lease expires, so nothing is lost.
 */
/**
 * Outcomes a pool may have pending per agent slot. A group commit takes a few
 * milliseconds under load; with one per slot, slots sat idle waiting for it.
 */
export const OUTCOMES_PER_SLOT = 4;

export class PendingOutcomes {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  get full(): boolean {
    return this.pending.size >= this.limit;
  }

  track(recorded: Promise<void>, onSettled?: () => void): void {
    const tracked: Promise<void> = recorded
      .catch((error: unknown) => this.logger.error({ err: error }, 'engine: storing an attempt outcome failed; the lease will expire and the task be re-claimed'))
      .finally(() => {
        this.pending.delete(tracked);
        onSettled?.();
      });
    this.pending.add(tracked);
  }

  /** Resolves once fewer than `limit` outcomes are pending. */
  async room(): Promise<void> {
    while (this.full) await Promise.race(this.pending);
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
