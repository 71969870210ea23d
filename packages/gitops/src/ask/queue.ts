import { Queue, Worker } from 'bullmq';
import { coerceError, silentLogger, type Logger } from '@agentlane/core';

/**
 * Where accepted asks wait: the BullMQ `ask` queue when Redis is configured (a
 * webhook answers in milliseconds, workers on any machine run the loop), or an
 * inline runner in this process. Either way the ask's own row is the record; the
 * queue only carries its id, and the BullMQ job id is the ask id, so a redelivered
 * webhook cannot queue an ask twice.
 */
export interface AskQueue {
  enqueue(askId: string): Promise<void>;
  /** Start running asks here (BullMQ: a worker; inline: already running). */
  startWorker(concurrency?: number): void;
  /** Inline: wait until every queued ask has run. BullMQ: no-op. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export type AskRunner = (askId: string) => Promise<void>;

export const ASK_QUEUE = 'ask';

export function inlineAskQueue(run: AskRunner, logger: Logger = silentLogger): AskQueue {
  const running = new Set<Promise<void>>();
  return {
    async enqueue(askId) {
      const work = run(askId)
        .catch((error: unknown) => logger.error({ askId, error: coerceError(error).toJSON() }, 'ask failed'))
        .finally(() => running.delete(work));
      running.add(work);
    },
    startWorker() {},
    async drain() {
      while (running.size > 0) await Promise.all([...running]);
    },
    async close() {
      await this.drain();
    },
  };
}

export interface BullmqAskQueueOptions {
  url: string;
  /** Key prefix (tests use their own). @defaultValue 'agentlane' */
  prefix?: string;
  logger?: Logger;
}

function connectionOf(url: string) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    maxRetriesPerRequest: null,
  };
}

export function bullmqAskQueue(run: AskRunner, options: BullmqAskQueueOptions): AskQueue {
  const connection = connectionOf(options.url);
  const prefix = options.prefix ?? 'agentlane';
  const logger = options.logger ?? silentLogger;
  const queue = new Queue(ASK_QUEUE, { connection, prefix });
  let worker: Worker | undefined;
  return {
    async enqueue(askId) {
      await queue.add('ask', { askId }, { jobId: askId, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
    },
    startWorker(concurrency = 2) {
      if (worker) return;
      worker = new Worker(
        ASK_QUEUE,
        async (job) => {
          await run(String((job.data as { askId: string }).askId));
        },
        { connection, prefix, concurrency },
      );
      worker.on('failed', (job, error) => logger.error({ askId: job?.data?.askId, error: error.message }, 'ask failed'));
    },
    async drain() {},
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
