/**
 * The lane's circuit breaker: N microtasks failing in a row (default 2) stop
 * the whole lane. A success closes it again; a skipped microtask does not count.
 */
export class ConsecutiveFailures {
  private failures: string[] = [];

  constructor(readonly threshold: number) {}

  success(): void {
    this.failures = [];
  }

  /** Record a failure; true when the lane must stop now. */
  failure(taskId: string): boolean {
    this.failures.push(taskId);
    return this.failures.length >= this.threshold;
  }

  /** The failures of the current streak, oldest first. */
  get streak(): readonly string[] {
    return this.failures;
  }
}
