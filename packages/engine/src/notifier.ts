/**
 * In-process wake-ups: waiters sleep until their job changes. The database stays the
 * source of truth (everyone also polls), so a missed wake-up costs at most one poll
 * interval.
 */
export class Notifier {
  private waiters = new Set<() => void>();

  /** Resolves on the next `wake()` or after `timeoutMs`, whichever is first. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wake every waiter. */
  wake(): void {
    for (const waiter of this.waiters) waiter();
  }
}
