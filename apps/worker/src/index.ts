export { assertWorkerConfig, startWorker, type RunningWorker, type WorkerOptions } from './worker.js';
