/**
 * Wall time of the named steps of an index run, for `IndexSummary.timings.steps`
 * and `npm run bench:kg`. Steps that overlap others (object writes during
 * parsing) are summed separately and marked so in their name.
 */
export class PhaseTimer {
  readonly steps: Record<string, number> = {};

  /** Time one awaited step; repeated names add up. */
  async time<T>(name: string, step: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await step();
    } finally {
      this.add(name, performance.now() - started);
    }
  }

  add(name: string, ms: number): void {
    this.steps[name] = (this.steps[name] ?? 0) + ms;
  }

  /** The steps rounded to whole milliseconds, in the order they first ran. */
  rounded(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.steps).map(([name, ms]) => [name, Math.round(ms)]));
  }
}
