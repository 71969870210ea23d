/** Limits of the precise (TypeScript checker) call pass. Every default is documented. */
export interface PreciseOptions {
  /**
   * Wall-clock budget of the whole pass (program build + call walk). Call sites are
   * walked file by file; when the budget runs out the pass stops between files and
   * reports partial (the remaining files keep their tree-sitter edges). A worker still
   * busy at budget + {@link PRECISE_HARD_STOP_GRACE_MS} (one pathological type) is
   * terminated. @defaultValue 120 000 ms
   */
  timeBudgetMs?: number;
  /** At most this many files are walked (the rest keep tree-sitter edges). @defaultValue 20 000 */
  maxFiles?: number;
  /** The compiler reads no file larger than this (treated as missing). @defaultValue 1 MiB */
  maxFileBytes?: number;
  /** Total bytes the compiler may read (sources, declarations, libs); past it, reads fail. @defaultValue 512 MiB */
  maxTotalBytes?: number;
  /** V8 heap limit of the checker's worker thread, in MiB. @defaultValue 3072 */
  maxHeapMb?: number;
}

export const PRECISE_DEFAULTS = {
  timeBudgetMs: 120_000,
  maxFiles: 20_000,
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxHeapMb: 3072,
} as const satisfies Required<PreciseOptions>;

/** How long a worker may overrun its budget inside one call before it is terminated. */
export const PRECISE_HARD_STOP_GRACE_MS = 5_000;

export function preciseOptions(options: PreciseOptions = {}): Required<PreciseOptions> {
  const merged = { ...PRECISE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`precise option ${key} must be a positive number, got ${String(value)}`);
  }
  return merged as Required<PreciseOptions>;
}
