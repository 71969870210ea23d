import type { CheckedSite } from './call-sites.js';

/** What the checker worker is asked to do (structured-cloned into the worker). */
export interface CheckerJob {
  /** Canonical repository root. */
  root: string;
  /** Repository-relative paths of the files whose call sites are walked (also the program's roots). */
  files: string[];
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Epoch ms after which the worker stops between files (and every few sites inside one). */
  deadline: number;
}

export interface CheckedFile {
  path: string;
  sites: CheckedSite[];
}

export type StopReason = 'time_budget' | 'file_cap' | 'byte_budget' | 'worker_failed';

export interface CheckerStats {
  config: 'tsconfig.json' | 'defaults';
  configErrors: string[];
  /** Source files in the program (roots, what they import, declarations, libs). */
  programFiles: number;
  programMs: number;
  checkMs: number;
  bytesRead: number;
  /** Paths the sandbox refused (the first few). */
  refused: string[];
  /** Root files not walked: unreadable, too large, refused, too deeply nested to parse or check. */
  unreadable: number;
  stopReason: StopReason | null;
}

/** Worker → main thread: one message per finished file, then `done`. */
export type CheckerMessage = { type: 'file'; file: CheckedFile } | { type: 'done'; stats: CheckerStats };
