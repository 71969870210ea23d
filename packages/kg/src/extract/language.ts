import type { Language } from './types.js';

/** Which grammar a file is parsed with. `tsx` is the TypeScript grammar with JSX. */
export type Grammar = 'typescript' | 'tsx' | 'python';

const GRAMMAR_BY_EXTENSION: ReadonlyMap<string, Grammar> = new Map([
  ['.ts', 'typescript'],
  ['.mts', 'typescript'],
  ['.cts', 'typescript'],
  ['.tsx', 'tsx'],
  // Plain JavaScript may contain JSX, so it goes through the TSX grammar.
  ['.js', 'tsx'],
  ['.jsx', 'tsx'],
  ['.mjs', 'tsx'],
  ['.cjs', 'tsx'],
  ['.py', 'python'],
  ['.pyi', 'python'],
]);

export const SOURCE_EXTENSIONS: readonly string[] = [...GRAMMAR_BY_EXTENSION.keys()];

function extensionOf(filePath: string): string {
  const base = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

export function grammarFor(filePath: string): Grammar | null {
  return GRAMMAR_BY_EXTENSION.get(extensionOf(filePath)) ?? null;
}

export function languageFor(filePath: string): Language | null {
  const grammar = grammarFor(filePath);
  if (grammar === null) return null;
  return grammar === 'python' ? 'py' : 'ts';
}

/** `src/a/b.d.ts` → `src/a/b`; `src/a/b.tsx` → `src/a/b`. */
export function stripSourceExtension(filePath: string): string {
  if (filePath.endsWith('.d.ts') || filePath.endsWith('.d.mts') || filePath.endsWith('.d.cts')) {
    return filePath.replace(/\.d\.[mc]?ts$/, '');
  }
  const ext = extensionOf(filePath);
  return ext ? filePath.slice(0, -ext.length) : filePath;
}
