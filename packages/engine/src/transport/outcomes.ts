import type { Logger } from '@agentlane/core';

/**
 * Outcomes a pool may have pending per agent slot. A group commit takes a few
 * milliseconds under load; with one per slot, slots sat idle waiting for it.
 */
const OUTCOMES_PER_SLOT = 4;

/**
 * Attempts whose agent has finished and whose outcome is still being stored (see
 * `runClaimed`). A worker pool tracks them here: at most OUTCOMES_PER_SLOT per agent slot
 * at once (the pool waits for one to settle before taking more work), and all of them
 * before the pool stops. A store that fails is logged: the task stays `running` with its
 * lease and is re-claimed when the lease expires, so nothing is lost.
 */
export class PendingOutcomes {
  private readonly pending = new Set<Promise<void>>();
  private readonly limit: number;

  constructor(
    slots: number,
    private readonly logger: Logger,
  ) {
    this.limit = slots * OUTCOMES_PER_SLOT;
  }

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
