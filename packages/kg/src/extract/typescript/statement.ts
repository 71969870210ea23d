import type { Container, ExtractContext } from './context.js';
import { collapseCode, trimEnd } from './scan.js';
import { jsDocIn } from './source.js';

/**
 * How a declaration was written at statement level: the wrappers around it
 * (`@dec`, `export`, `export default`, `declare`) and the JSDoc before them.
 */
export interface Statement {
  /** First token of the statement, decorators and `export` included: the object's start. */
  start: number;
  end: number;
  /** First token after the decorators: where the signature text begins. */
  sigStart: number;
  /** 'export', 'default', 'declare' as written. */
  modifiers: string[];
  decorators: string[];
  explicitExport: boolean;
  isDefault: boolean;
  ambient: boolean;
  /** [start, end) of the JSDoc comment before the statement, or null. */
  doc: readonly [number, number] | null;
}

export function plainStatement(start: number, end: number, doc: Statement['doc'], ambient: boolean): Statement {
  return {
    start,
    end,
    sigStart: start,
    modifiers: [],
    decorators: [],
    explicitExport: false,
    isDefault: false,
    ambient,
    doc,
  };
}

/** Whether a container-level declaration named `name` is visible outside its container. */
export function locallyExported(container: Container, stmt: Statement, name: string): boolean {
  return stmt.explicitExport || container.exportContext || container.localExports.has(name);
}

export function docText(ctx: ExtractContext, doc: Statement['doc']): string | null {
  return doc === null ? null : jsDocIn(ctx.src.text, doc[0], doc[1]);
}

/** Signature text of `[start, end)`: collapsed, comments removed, without a trailing `;`, `=` or `=>`. */
export function signatureOf(t: string, start: number, end: number): string {
  let e = trimEnd(t, start, end);
  const c = t.charCodeAt(e - 1);
  if (c === 59 /* ; */) e -= 1;
  else if (c === 61 /* = */) e -= 1;
  else if (c === 62 /* > */ && t.charCodeAt(e - 2) === 61) e -= 2;
  return collapseCode(t, start, e);
}
