import type { ImportBinding, RawImport } from '../types.js';
import { compactText, type SourceText } from './source.js';

const FROM_IMPORT = /^from\s*(\.*)\s*([^\s(]*(?:\s*\.\s*[^\s(.]+)*)\s+import\s*(.*)$/su;
const AS = /^(\S+)\s+as\s+(\S+)$/su;

/**
 * The modules an import statement names, as written. `import a.b, c as d`
 * yields one entry per module; `from x import a, b` one entry with two names.
 * Read from the statement's text: imports are short, and the text form needs
 * no native call per name. `typeOnly` when under `if TYPE_CHECKING:`.
 */
export function readImport(src: SourceText, start: number, end: number, type: string, typeOnly: boolean): RawImport[] {
  const text = compactText(src.slice(start, end));
  const line = src.lineAt(start);
  if (type === 'import_statement') {
    return splitNames(text.slice('import'.length)).map((item) => {
      const as = AS.exec(item);
      const specifier = (as === null ? item : (as[1] as string)).replace(/\s+/g, '');
      const local = as === null ? (specifier.split('.')[0] as string) : (as[2] as string);
      return { specifier, level: 0, names: [{ imported: '*', local }], reexport: false, typeOnly, line };
    });
  }
  const m = FROM_IMPORT.exec(text);
  if (m === null) return [];
  const specifier = (m[2] as string).replace(/\s+/g, '');
  if (specifier === '__future__') return [];
  const names: ImportBinding[] = splitNames((m[3] as string).replace(/^\(|\)$/g, '')).map((item) => {
    if (item === '*') return { imported: '*', local: null };
    const as = AS.exec(item);
    return as === null ? { imported: item, local: item } : { imported: as[1] as string, local: as[2] as string };
  });
  return [{ specifier, level: (m[1] as string).length, names, reexport: false, typeOnly, line }];
}

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
