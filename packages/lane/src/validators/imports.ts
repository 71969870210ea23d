/**
 * Import analysis on the changed files' syntax trees, with the knowledge graph's
 * tree-sitter extractors (TypeScript/JavaScript and Python): `import`, `export …
 * from`, `require()`, dynamic `import()`, `import x` and `from x import y`. Only
 * imports the attempt added are judged (the base version of the file is parsed
 * too), so existing code does not stop every task that touches it.
 */
import { EXTRACTORS, languageFor, stripSourceExtension, type RawImport } from '@agentlane/kg';
import { MAX_FINDINGS_PER_VALIDATOR } from './evidence.js';
import type { Finding, Validator } from './types.js';

/** `node:fs` and `fs` are one module. */
export function normaliseSpecifier(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice(5) : specifier;
}

function isRelative(imp: RawImport): boolean {
  return imp.level > 0 || imp.specifier.startsWith('.') || imp.specifier.startsWith('/');
}

/** `child_process` matches `child_process` and `child_process/x`; `http` matches Python's `http.client`. */
export function moduleMatches(specifier: string, entry: string): boolean {
  const spec = normaliseSpecifier(specifier);
  const target = normaliseSpecifier(entry);
  return spec === target || spec.startsWith(`${target}/`) || spec.startsWith(`${target}.`);
}

export function importsOf(file: string, source: string): RawImport[] {
  const language = languageFor(file);
  if (language === null) return [];
  const moduleName = language === 'py' ? stripSourceExtension(file).replaceAll('/', '.') : stripSourceExtension(file);
  return EXTRACTORS[language]({ filePath: file, source, moduleName }).imports;
}

export const validateImports: Validator = async (input) => {
  const { deny, allow } = input.config.imports;
  const findings: Finding[] = [];
  for (const file of input.changes.files) {
    if (file.status === 'deleted' || languageFor(file.path) === null) continue;
    const source = input.readCurrent(file.path);
    if (source === null) continue;
    let current: RawImport[];
    let before: RawImport[];
    try {
      current = importsOf(file.path, source);
      const base = file.status === 'added' ? null : await input.readBase(file.path);
      before = base === null ? [] : importsOf(file.path, base);
    } catch (error) {
      // Fail closed: what cannot be analysed is not committed.
      findings.push({ validator: 'imports', rule: 'unanalysable', severity: 'stop', message: `${file.path} could not be parsed: ${(error as Error).message}`, file: file.path });
      continue;
    }
    const existing = new Set(before.map((imp) => normaliseSpecifier(imp.specifier)));
    for (const imp of current) {
      if (isRelative(imp) || imp.specifier === '' || existing.has(normaliseSpecifier(imp.specifier))) continue;
      const denied = deny.find((entry) => moduleMatches(imp.specifier, entry));
      if (denied !== undefined) {
        findings.push({
          validator: 'imports',
          rule: 'denied_import',
          severity: 'stop',
          message: `${file.path}:${imp.line} imports ${imp.specifier}, which the lane denies`,
          file: file.path,
          line: imp.line,
          pattern: denied,
          evidence: imp.specifier,
        });
      } else if (allow !== null && !allow.some((entry) => moduleMatches(imp.specifier, entry))) {
        findings.push({
          validator: 'imports',
          rule: 'import_not_allowed',
          severity: 'stop',
          message: `${file.path}:${imp.line} imports ${imp.specifier}, which is not on the lane's import allowlist`,
          file: file.path,
          line: imp.line,
          pattern: allow.join(', '),
          evidence: imp.specifier,
        });
      }
      if (findings.length >= MAX_FINDINGS_PER_VALIDATOR) return findings;
    }
  }
  return findings;
};
