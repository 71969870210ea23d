import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXTRACTORS } from '../src/extract/index.js';
import { toKgObjects } from '../src/index/objects.js';
import { scanParamList } from '../src/coverage/probe.js';

const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((s) => !['def', 'class', 'if', 'in', 'is', 'or', 'and', 'not', 'for', 'try', 'del', 'as', 'pass', 'with', 'from', 'None', 'else', 'elif', 'while', 'yield', 'raise', 'async', 'await', 'return', 'lambda', 'import', 'global', 'assert', 'break', 'except', 'finally', 'continue', 'nonlocal', 'case', 'match', 'new', 'var', 'let', 'const', 'this', 'void', 'enum', 'type', 'switch', 'typeof', 'delete', 'export', 'default', 'extends', 'super', 'function', 'interface', 'instanceof', 'true', 'false', 'null', 'do', 'static', 'get', 'set', 'of', 'declare', 'namespace', 'module', 'abstract', 'public', 'private', 'protected', 'readonly', 'implements', 'package', 'any', 'unknown', 'never', 'number', 'string', 'symbol', 'object', 'boolean', 'bigint', 'undefined', 'keyof', 'infer', 'unique', 'asserts', 'accessor', 'satisfies', 'override', 'require', 'constructor', 'global', 'catch', 'throw', 'debugger', 'with'].includes(s));

interface ClassSpec {
  name: string;
  methods: string[];
}
interface ModuleSpec {
  functions: string[];
  classes: ClassSpec[];
}

const moduleSpec: fc.Arbitrary<ModuleSpec> = fc.record({
  functions: fc.uniqueArray(identifier, { maxLength: 5 }),
  classes: fc.uniqueArray(fc.record({ name: identifier.map((s) => `C${s}`), methods: fc.uniqueArray(identifier, { maxLength: 4 }) }), {
    maxLength: 3,
    selector: (c) => c.name,
  }),
});

function python(spec: ModuleSpec, pad: number[], bodyLines: number): string {
  const parts: string[] = [];
  let i = 0;
  const padding = () => '\n'.repeat(pad[i++ % pad.length] ?? 0) + (pad[i % pad.length] ? '# note\n' : '');
  for (const f of spec.functions) parts.push(`${padding()}def ${f}(a, b=1):\n${'    x = a\n'.repeat(bodyLines)}    return a\n`);
  for (const c of spec.classes) {
    parts.push(`${padding()}class ${c.name}:\n    """doc"""\n${c.methods.map((m) => `\n    def ${m}(self):\n${'        y = 1\n'.repeat(bodyLines)}        return self\n`).join('')}`);
  }
  return parts.join('\n\n');
}

function typescript(spec: ModuleSpec, pad: number[], bodyLines: number): string {
  const parts: string[] = [];
  let i = 0;
  const padding = () => '\n'.repeat(pad[i++ % pad.length] ?? 0) + (pad[i % pad.length] ? '// note\n' : '');
  for (const f of spec.functions) parts.push(`${padding()}export function ${f}(a: number, b = 1): number {\n${'  a += b;\n'.repeat(bodyLines)}  return a;\n}\n`);
  for (const c of spec.classes) {
    parts.push(`${padding()}export class ${c.name} {\n${c.methods.map((m) => `  ${m}(): this {\n${'    void 0;\n'.repeat(bodyLines)}    return this;\n  }\n`).join('')}}\n`);
  }
  return parts.join('\n');
}

function ids(language: 'py' | 'ts', source: string): Map<string, string> {
  const filePath = language === 'py' ? 'pkg/mod.py' : 'src/mod.ts';
  const result = EXTRACTORS[language]({ filePath, source, moduleName: language === 'py' ? 'pkg.mod' : 'src/mod' });
  return new Map(toKgObjects(result, filePath).map((o) => [`${o.kind} ${o.qualifiedName}`, o.id]));
}

describe('stable ids (property)', () => {
  for (const [language, render] of [['py', python], ['ts', typescript]] as const) {
    it(`${language}: blank lines, comments and body edits elsewhere never change an id`, () => {
      fc.assert(
        fc.property(moduleSpec, fc.array(fc.nat(3), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 6 }), fc.nat(4), fc.nat(4), (spec, padA, padB, bodyA, bodyB) => {
          const a = ids(language, render(spec, padA, bodyA));
          const b = ids(language, render(spec, padB, bodyB));
          expect(b).toEqual(a);
          expect(a.size).toBe(1 + spec.functions.length + spec.classes.reduce((n, c) => n + 1 + c.methods.length, 0));
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('scanParamList (property)', () => {
  const param = fc.oneof(
    identifier,
    identifier.map((n) => `${n}: Record<string, [number, string]>`),
    identifier.map((n) => `${n} = "a,(b)"`),
    identifier.map((n) => `${n}: (x: number, y: string) => void`),
    identifier.map((n) => `{ ${n}, other }: { ${n}: number; other: string }`),
  );
  it('counts top-level parameters whatever commas and brackets they contain', () => {
    fc.assert(
      fc.property(fc.array(param, { maxLength: 6 }), fc.boolean(), (params, trailingComma) => {
        const list = params.join(', ') + (trailingComma && params.length > 0 ? ',' : '');
        const scanned = scanParamList(`function f<T extends (a: number, b: number) => void>(${list}): T`, 'ts');
        expect(scanned?.count).toBe(params.length);
        expect(scanned?.rest.trim()).toBe(': T');
      }),
    );
  });
  it('ignores Python separators and TS this parameters', () => {
    expect(scanParamList('def f(a, /, b, *, c, **kw) -> int', 'py')?.count).toBe(4);
    expect(scanParamList('function f(this: Window, a: number): void', 'ts')?.count).toBe(1);
    expect(scanParamList('const f = async x => x', 'ts')?.count).toBe(1);
  });
});
