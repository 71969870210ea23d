import { callResultHint } from './assignments.js';

/**
 * Receiver hints for a function's locals, read in one pass over its body: a name
 * bound exactly once, by a plain assignment from one call (`p = Parser(…)`,
 * `conn = connect(…)`), gets what that call returns; a name bound twice or any
 * other way (loop and comprehension targets, `with`/`except … as`, walrus, tuple
 * targets, `global`/`nonlocal`/`del`, nested `def`/`class`, imports) gets nothing.
 * Line-based and deliberately suspicious: text that merely looks like a binding
 * (in a string, say) can only take a hint away, never invent one.
 */

const ID = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
const NAMES = new RegExp(ID, 'gu');
const ASSIGNMENT = new RegExp(String.raw`^\s*(${ID})\s*(?::[^=\n]*)?((?:[-+*/%&|^@]|//|>>|<<|\*\*)?)=(?!=)(.*)$`, 'u');
const FOR_TARGET = /\bfor\s+(.+?)\s+in\b/gu;
const AS_TARGET = new RegExp(String.raw`\bas\s+(${ID})`, 'gu');
const WALRUS = new RegExp(String.raw`(${ID})\s*:=`, 'gu');
const DECLARATION = new RegExp(String.raw`^\s*(?:async\s+)?(?:def|class)\s+(${ID})`, 'u');
const NAME_LIST = /^\s*(?:global|nonlocal|del|import|from\s+\S+\s+import)\s+(.*)$/u;
/** `a, b = …`, `(a, b) = …`, `[a, b] = …`: the left side of a top-level `=` holds a comma or starts with a bracket. */
const UNPACKING = /^\s*([^=\n]*?)\s*=(?!=)/u;

export function localCallHints(body: string): Map<string, string | null> {
  const hints = new Map<string, string | null>();
  const taint = (name: string) => hints.set(name, null);
  const taintAll = (text: string) => {
    for (const m of text.matchAll(NAMES)) taint(m[0]);
  };
  for (const line of body.split('\n')) {
    // Each pattern needs its keyword or sign in the line: without it, skipping the pattern is the same answer, cheaper.
    const hasEquals = line.includes('=');
    if (line.includes('for')) for (const m of line.matchAll(FOR_TARGET)) taintAll(m[1] as string);
    if (line.includes('as')) for (const m of line.matchAll(AS_TARGET)) taint(m[1] as string);
    if (hasEquals && line.includes(':=')) for (const m of line.matchAll(WALRUS)) taint(m[1] as string);
    const declared = line.includes('def') || line.includes('class') ? DECLARATION.exec(line) : null;
    if (declared) taint(declared[1] as string);
    const listed = line.includes('global') || line.includes('nonlocal') || line.includes('del') || line.includes('import') ? NAME_LIST.exec(line) : null;
    if (listed) taintAll(listed[1] as string);
    if (!hasEquals) continue;
    const assigned = ASSIGNMENT.exec(line);
    if (assigned) {
      const name = assigned[1] as string;
      const augmented = (assigned[2] as string) !== '';
      const value = (assigned[3] as string).replace(/#.*$/u, '').trim();
      const hint = augmented ? null : callResultHint(value);
      // `x = x.copy()`: a call through the name itself says nothing about it.
      const usable = hint !== null && !hint.includes(`typeof ${name}.`) && !hint.endsWith(`typeof ${name}>`);
      hints.set(name, hints.has(name) || !usable ? null : hint);
      continue;
    }
    const left = UNPACKING.exec(line)?.[1]?.trim();
    // A comma outside any call (`a, b = …`, `self.x, y = …`) or a bracketed target list.
    if (left !== undefined && ((left.includes(',') && !left.includes('(')) || /^[([]/u.test(left))) taintAll(left);
  }
  return hints;
}
