import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bullmqAskQueue, inlineAskQueue } from '../src/index.js';

const REDIS_URL = process.env.AGENTLANE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('ask queue', () => {
  it('BullMQ (real Redis): an ask id is queued once however often it is enqueued, and a worker runs it', async () => {
    const ran: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const queue = bullmqAskQueue(
      async (askId) => {
        ran.push(askId);
        if (ran.length === 2) done();
      },
      { url: REDIS_URL, prefix: `agentlane-test-${randomBytes(4).toString('hex')}` },
    );
    try {
      await queue.enqueue('ask-1');
      await queue.enqueue('ask-1');
      await queue.enqueue('ask-2');
      queue.startWorker(1);
      await finished;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ran.sort()).toEqual(['ask-1', 'ask-2']);
    } finally {
      await queue.close();
    }
  });

  it('inline: drain waits for every queued ask, and a failing ask does not stop the others', async () => {
    const ran: string[] = [];
    const queue = inlineAskQueue(async (askId) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (askId === 'bad') throw new Error('boom');
      ran.push(askId);
    });
    await queue.enqueue('a');
    await queue.enqueue('bad');
    await queue.enqueue('b');
    await queue.drain();
    expect(ran.sort()).toEqual(['a', 'b']);
  });
});
