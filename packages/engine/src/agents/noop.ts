import type { Json } from '../workflow/condition.js';
import { TaskError, type Agent } from './types.js';

/**
 * Returns `with.output` (default `{}`), after `with.sleep_ms` if set. For benchmarks,
 * drills and workflows that only need structure. Honours the abort signal.
 */
export function noopAgent(): Agent {
  return {
    name: 'noop',
    validate(task) {
      const sleep = task.with?.sleep_ms;
      return sleep === undefined || (typeof sleep === 'number' && sleep >= 0) ? [] : ['with.sleep_ms must be a number of milliseconds'];
    },
    async run({ task, signal }) {
      const sleep = task.with?.sleep_ms;
      if (typeof sleep === 'number' && sleep > 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, sleep);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new TaskError('aborted', 'stopped'));
          }, { once: true });
        });
      }
      return { output: (task.with?.output ?? {}) as Json };
    },
  };
}
