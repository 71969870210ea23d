/**
 * Group commit: calls that arrive while earlier groups are still in flight wait and then go
 * out together, as one group (one transaction, one round trip). An idle system sends each
 * call at once, alone (no added latency beyond one event-loop turn); a busy one sends
 * fewer, larger groups, which is where the throughput comes from.
 *
 * Each caller gets its own outcome. If a group fails as a whole, each of its items is
 * tried again alone, so one bad item fails only its own caller and nothing is lost; an
 * item is never acknowledged before the group that carried it has returned.
 */
export interface GroupCommitOptions<I, O> {
  /** Run one group; the answer has one entry per item, in the items' order. */
  run(items: readonly I[]): Promise<readonly O[]>;
  /** @defaultValue 64 */
  maxGroupSize?: number;
  /** Groups in flight at once (each takes a database connection). @defaultValue 4 */
  maxInFlight?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export interface GroupCommitStats {
  groups: number;
  items: number;
  /** Groups that failed as a whole and were retried item by item. */
  splits: number;
}

export class GroupCommit<I, O> {
  private readonly run: (items: readonly I[]) => Promise<readonly O[]>;
  private readonly maxGroupSize: number;
  private readonly maxInFlight: number;
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  readonly stats: GroupCommitStats = { groups: 0, items: 0, splits: 0 };

  constructor(options: GroupCommitOptions<I, O>) {
    this.run = options.run;
    this.maxGroupSize = Math.max(1, options.maxGroupSize ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a group, and groups in flight. */
  get pending(): { waiting: number; inFlight: number } {
    return { waiting: this.waiting.length, inFlight: this.inFlight };
  }

  /** Flush on the next turn of the event loop, so calls made in the same turn share a group. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroupSize);
      this.inFlight += 1;
      void this.send(group).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  private async send(group: Waiting<I, O>[]): Promise<void> {
    this.stats.groups += 1;
    this.stats.items += group.length;
    let results: readonly O[];
    try {
      results = await this.run(group.map((w) => w.item));
      if (results.length !== group.length) throw new Error(`group commit: ${group.length} items but ${results.length} results`);
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
      this.stats.splits += 1;
      for (const waiting of group) {
        try {
          const alone = await this.run([waiting.item]);
          if (alone.length !== 1) throw new Error(`group commit: 1 item but ${alone.length} results`);
          waiting.resolve(alone[0] as O);
        } catch (itemError) {
          waiting.reject(itemError);
        }
      }
      return;
    }
    group.forEach((waiting, i) => waiting.resolve(results[i] as O));
  }
}
