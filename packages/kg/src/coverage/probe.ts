import type { ExtractedObject, Language } from '../extract/types.js';
import { EMPTY_COVERAGE, type FileCoverage } from './counters.js';

/**
 * Measures extraction coverage against the source text itself, with checks that
 * share no code with the tree-sitter extractors: parameter lists are counted from
 * the signature characters, return annotations and field declarations are found
 * by scanning lines. A gate built on the extractor's own output would always pass.
 */

const OPEN = '([{';
const CLOSE = ')]}';

interface ParamList {
  count: number;
  /** Text after the closing parenthesis. */
  rest: string;
}

/** Find the parameter list of a callable header and count its top-level entries. */
export function scanParamList(signature: string, language: Language): ParamList | null {
  let angle = 0;
  let start = -1;
  for (let i = 0; i < signature.length; i += 1) {
    const c = signature[i];
    if (language === 'ts' && c === '<') angle += 1;
    else if (language === 'ts' && c === '>' && signature[i - 1] !== '=') angle = Math.max(0, angle - 1);
    else if (c === '(' && angle === 0) {
      start = i;
      break;
    }
  }
  if (start < 0) {
    // `x => ...`: one bare parameter.
    const arrow = /(?:^|[=\s])([A-Za-z_$][\w$]*)\s*=>/.exec(signature);
    return arrow ? { count: 1, rest: signature.slice(arrow.index + arrow[0].length) } : null;
  }
  const stack: string[] = [];
  let quote: string | null = null;
  const entries: string[] = [];
  let current = '';
  for (let i = start + 1; i < signature.length; i += 1) {
    const c = signature[i] as string;
    if (quote) {
      current += c;
      if (c === '\\') {
        current += signature[i + 1] ?? '';
        i += 1;
      } else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      current += c;
      continue;
    }
    if (OPEN.includes(c) || (language === 'ts' && c === '<')) stack.push(c);
    else if (language === 'ts' && c === '>' && signature[i - 1] !== '=') {
      // `Map<K, V>` nests; the `>` of an arrow `=>` does not.
      if (stack[stack.length - 1] === '<') stack.pop();
    } else if (CLOSE.includes(c)) {
      while (stack[stack.length - 1] === '<') stack.pop();
      if (stack.length === 0) {
        if (current.trim()) entries.push(current.trim());
        return { count: countParams(entries, language), rest: signature.slice(i + 1) };
      }
      stack.pop();
    } else if (c === ',' && stack.length === 0) {
      entries.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  return null;
}

function countParams(entries: string[], language: Language): number {
  return entries.filter((entry) => {
    if (!entry) return false;
    if (language === 'py') return entry !== '*' && entry !== '/';
    return !/^this\s*:/.test(entry);
  }).length;
}

export function declaresReturn(rest: string, language: Language): boolean {
  const trimmed = rest.trimStart();
  return language === 'py' ? trimmed.startsWith('->') : trimmed.startsWith(':');
}

const TS_MEMBER = /^\s*(?:(?:public|private|protected|readonly|static|declare|abstract|override|accessor|export|const)\s+)*[#$A-Za-z_][\w$]*[?!]?\s*(?::|=(?!>)|;|$)/;
const TS_PARAM_PROPERTY = /constructor\s*\([^)]*\b(?:public|private|protected|readonly|override)\s/;
const TS_ENUM_MEMBER = /^\s*(?:[$A-Za-z_][\w$]*|'[^']*'|"[^"]*")\s*(?:=|,|$)/;
const PY_CLASS_VAR = /^(\s*)[A-Za-z_]\w*\s*(?::(?!=)|=(?!=))/;
const PY_SELF_ATTR = /\bself\.[A-Za-z_]\w*\s*(?::(?!=)|=(?!=))/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Does the body of a class-like object declare at least one field in the source? */
export function sourceHasFields(object: ExtractedObject, lines: readonly string[], language: Language): boolean {
  const body = lines.slice(object.startLine, object.endLine - 1 + (language === 'py' ? 1 : 0));
  const meaningful = body.filter((line) => line.trim() !== '' && !/^\s*(#|\/\/|\/\*|\*)/.test(line));
  if (meaningful.length === 0) return false;
  const memberIndent = indentOf(meaningful[0] as string);
  if (language === 'py') {
    let inInit = false;
    let initIndent = 0;
    for (const line of meaningful) {
      const indent = indentOf(line);
      if (indent === memberIndent) {
        inInit = /^\s*def\s+__init__\s*\(/.test(line);
        initIndent = indent;
        if (PY_CLASS_VAR.test(line)) return true;
      } else if (inInit && indent > initIndent && PY_SELF_ATTR.test(line)) {
        return true;
      }
    }
    return false;
  }
  if (object.kind === 'enum') return meaningful.some((line) => indentOf(line) === memberIndent && TS_ENUM_MEMBER.test(line));
  return meaningful.some(
    (line) => (indentOf(line) === memberIndent && TS_MEMBER.test(line) && !/^\s*(?:return|case|default|break|continue)\b/.test(line)) || TS_PARAM_PROPERTY.test(line),
  );
}

const CLASS_LIKE = new Set(['class', 'interface', 'enum']);

export function measureCoverage(objects: readonly ExtractedObject[], source: string, language: Language, lineCount: number): FileCoverage {
  const coverage: FileCoverage = { ...EMPTY_COVERAGE };
  let lines: string[] | null = null;
  for (const object of objects) {
    coverage.objects += 1;
    if (object.startLine >= 1 && object.endLine >= object.startLine && object.endLine <= lineCount) coverage.linesOk += 1;
    if (object.kind === 'function' || object.kind === 'method') {
      coverage.callables += 1;
      const list = scanParamList(object.signature, language);
      const paramsOk = list !== null && object.params !== null && object.params.length === list.count;
      if (paramsOk) coverage.paramsOk += 1;
      if (list && declaresReturn(list.rest, language)) {
        coverage.returnsDeclared += 1;
        if (object.returns) coverage.returnsOk += 1;
        if (object.returns && paramsOk) coverage.ioOk += 1;
      }
      continue;
    }
    const isObjectTypeAlias = object.kind === 'type' && /=\s*\{/.test(object.signature);
    if (CLASS_LIKE.has(object.kind) || isObjectTypeAlias) {
      lines ??= source.split('\n');
      if (sourceHasFields(object, lines, language)) {
        coverage.fieldsInSource += 1;
        if (object.fields && object.fields.length > 0) coverage.fieldsOk += 1;
      }
    }
  }
  return coverage;
}
