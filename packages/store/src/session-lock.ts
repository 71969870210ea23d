/**
 * PGlite is one PostgreSQL session. Everything that talks to it (the owner's own
 * queries and transactions, and each client of its socket) takes this lock for a
 * whole unit of work: a statement, or a transaction from BEGIN to its end. Waiters
 * are served in arrival order.
 */
export class SessionLock {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  /** Whether someone holds the lock now. */
  get locked(): boolean {
    return this.held;
  }

  /** Wait for the lock; the returned function releases it (once). */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => mine);
    await previous;
    this.held = true;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held = false;
      release();
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
