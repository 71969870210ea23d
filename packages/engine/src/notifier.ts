/**
 * In-process wake-ups: inline workers sleep until a task is dispatched, waiters until
 * their job changes. The database stays the source of truth (everyone also polls), so a
 * missed wake-up costs at most one poll interval.
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

  /**
   * Wake `count` waiters (default all). Inline workers wake one per dispatched task: waking
   * every idle worker for one task would send them all to claim it, and all but one would
   * come back empty-handed, costing the database a query each.
   */
  wake(count = Number.POSITIVE_INFINITY): void {
    for (const waiter of this.waiters) {
      if (count <= 0) break;
      count -= 1;
      waiter();
    }
  }

  /** Wake one waiter at a later time (a retry's backoff); the timer does not keep the process alive. */
  wakeAt(at: Date): void {
    const delay = at.getTime() - Date.now();
    if (delay <= 0) this.wake(1);
    else setTimeout(() => this.wake(1), delay).unref();
  }
}
