import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, evaluateGates } from '../src/coverage/gates.js';
import { EMPTY_COVERAGE } from '../src/coverage/counters.js';
import { measureCoverage } from '../src/coverage/probe.js';
import { EXTRACTORS } from '../src/extract/index.js';
import type { ExtractedObject } from '../src/extract/types.js';

const counters = (over: Partial<typeof EMPTY_COVERAGE>) => ({ ...EMPTY_COVERAGE, files: 1, ...over });

describe('evaluateGates', () => {
  it('uses the seed 004 thresholds by default', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ params: 70, returns: 80, fields: 80, lines: 100, io: 70 });
  });

  it('fails a gate below its threshold and passes gates with nothing to measure', () => {
    const report = evaluateGates(
      { ts: counters({ callables: 10, paramsOk: 6, returnsDeclared: 0, objects: 20, linesOk: 20, fieldsInSource: 4, fieldsOk: 4 }) },
      DEFAULT_THRESHOLDS,
      new Date('2026-01-01T00:00:00Z'),
    );
    const byGate = Object.fromEntries(report.gates.map((g) => [g.gate, g]));
    expect(byGate.params).toMatchObject({ percent: 60, passed: false, numerator: 6, denominator: 10 });
    expect(byGate.returns).toMatchObject({ percent: null, passed: true });
    expect(byGate.fields).toMatchObject({ percent: 100, passed: true });
    expect(byGate.lines).toMatchObject({ percent: 100, passed: true });
    expect(report.passed).toBe(false);
    expect(report.generatedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('needs lines at exactly 100% and rounds percentages down, never up to a pass', () => {
    const report = evaluateGates({ py: counters({ objects: 1000, linesOk: 999, callables: 3, paramsOk: 2 }) }, { ...DEFAULT_THRESHOLDS, params: 66.7 });
    const byGate = Object.fromEntries(report.gates.map((g) => [g.gate, g]));
    expect(byGate.lines).toMatchObject({ percent: 99.9, passed: false });
    expect(byGate.params).toMatchObject({ percent: 66.6, passed: false });
  });

  it('reports each language separately', () => {
    const report = evaluateGates({ py: counters({ objects: 1, linesOk: 1 }), ts: counters({ objects: 1, linesOk: 0 }) });
    expect(report.gates.filter((g) => g.gate === 'lines').map((g) => [g.language, g.passed])).toEqual([
      ['py', true],
      ['ts', false],
    ]);
  });
});

describe('measureCoverage', () => {
  it('checks extracted params and returns against the signature text', () => {
    const source = 'def f(a, b: int = 1, *rest, **kw) -> int:\n    return a\n';
    const result = EXTRACTORS.py({ filePath: 'm.py', source, moduleName: 'm' });
    expect(measureCoverage(result.objects, source, 'py', 2)).toMatchObject({ callables: 1, paramsOk: 1, returnsDeclared: 1, returnsOk: 1, ioOk: 1, objects: 2, linesOk: 2 });
    // An extractor that dropped a parameter or the return type would be caught.
    const damaged = result.objects.map((o): ExtractedObject => (o.kind === 'function' ? { ...o, params: o.params?.slice(1) ?? null, returns: null } : o));
    expect(measureCoverage(damaged, source, 'py', 2)).toMatchObject({ paramsOk: 0, returnsOk: 0, ioOk: 0 });
  });

  it('finds fields in class bodies without using the extractor, and flags missing ones', () => {
    const source = 'export class A {\n  x = 1;\n  private y?: string;\n  m(): void {\n    const z = 2;\n  }\n}\nexport class B {\n  m(): void {}\n}\n';
    const result = EXTRACTORS.ts({ filePath: 'a.ts', source, moduleName: 'a' });
    expect(measureCoverage(result.objects, source, 'ts', 10)).toMatchObject({ fieldsInSource: 1, fieldsOk: 1 });
    const damaged = result.objects.map((o): ExtractedObject => (o.kind === 'class' ? { ...o, fields: [] } : o));
    expect(measureCoverage(damaged, source, 'ts', 10)).toMatchObject({ fieldsInSource: 1, fieldsOk: 0 });
  });

  it('counts objects whose lines fall outside the file', () => {
    const source = 'def f():\n    pass\n';
    const result = EXTRACTORS.py({ filePath: 'm.py', source, moduleName: 'm' });
    const shifted = result.objects.map((o) => ({ ...o, endLine: o.endLine + 5 }));
    expect(measureCoverage(shifted, source, 'py', 2)).toMatchObject({ objects: 2, linesOk: 0 });
  });
});
