import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { indexRepository, type IndexSummary } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

/**
 * The precise (TypeScript checker) call pass on a small project: typed receivers,
 * inheritance, interfaces, overloads, re-exports, generics. Every call line of
 * main.ts names the edges it must produce (`// calls: A, B`), and the test
 * asserts exactly those: no more, no fewer.
 */

const BASE = `export class Animal {
  constructor(readonly label: string) {}
  speak(): string {
    return 'x';
  }
  move(d: number): number {
    return d;
  }
}

export interface Greeter {
  greet(name: string): string;
}
`;

const DOG = `import { Animal } from './base';

export class Dog extends Animal {
  constructor() {
    super('dog'); // calls: Animal.constructor
  }
  override speak(): string {
    return 'woof';
  }
  fetch(): this {
    return this;
  }
}
`;

const UTIL = `export function pick(x: string): string;
export function pick(x: number): number;
export function pick(x: string | number): string | number {
  return x;
}

export function identity<T>(value: T): T {
  return value;
}

export const double = (n: number) => n * 2;

export class Box<T> {
  constructor(readonly value: T) {}
  get(): T {
    return this.value;
  }
  map<U>(f: (v: T) => U): Box<U> {
    return new Box(f(this.value)); // calls: Box
  }
}
`;

const INDEX = `export { Dog } from './dog';
export * from './util';
export { Animal as Creature } from './base';
`;

const MAIN = `import { Dog, Creature, pick, identity, double, Box } from './index';
import type { Greeter } from './base';

export function run(g: Greeter, a: Creature, speak: () => void): void {
  const d = new Dog(); // calls: Dog
  d.speak(); // calls: Dog.speak
  d.move(1); // calls: Animal.move
  a.speak(); // calls: Animal.speak
  g.greet('x'); // calls: Greeter.greet
  pick(1); // calls: pick
  identity(d).fetch(); // calls: identity, Dog.fetch
  double(2); // calls: double
  new Box(1).map(double).get(); // calls: Box, Box.map, Box.get
  speak();
  Math.max(1, 2);
}

export class Runner {
  go(): void {
    run(null as never, new Dog(), () => undefined); // calls: run, Dog
  }
}
`;

const FIXTURE = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler' } }),
  'src/base.ts': BASE,
  'src/dog.ts': DOG,
  'src/util.ts': UTIL,
  'src/index.ts': INDEX,
  'src/main.ts': MAIN,
  'py/app.py': 'def helper():\n    return 1\n\n\ndef main():\n    return helper()\n',
};

/** `caller -> callee@line` for every `// calls:` marker of a file. */
function expectedEdges(file: string, text: string, caller: (line: number) => string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const marker = /\/\/ calls: (.*)$/.exec(line);
    for (const callee of marker?.[1]?.split(',').map((s) => s.trim()) ?? []) out.push(`${caller(i + 1)} -> ${callee}@${file}:${i + 1}`);
  });
  return out;
}

interface Edge {
  src: string;
  dst: string;
  dst_file: string;
  file_path: string;
  line: number;
  resolution: string;
}

async function callEdges(sql: Sql, file: string): Promise<Edge[]> {
  const { rows } = await sql.query<Edge>(
    `SELECT s.qualified_name AS src, d.qualified_name AS dst, d.file_path AS dst_file, r.file_path, r.line, r.resolution
       FROM kg.relations r JOIN kg.objects s ON s.id = r.src JOIN kg.objects d ON d.id = r.dst
      WHERE r.kind = 'calls' AND r.file_path = $1 ORDER BY r.line, d.qualified_name`,
    [file],
  );
  return rows;
}

const show = (edges: Edge[]) => edges.map((e) => `${e.src} -> ${e.dst}@${e.file_path}:${e.line}`).sort();

describe.each(testBackends())('indexRepository({ precise: true }) on %s', (backend) => {
  const database = useKgDatabase(backend);
  let root: string;
  let summary: IndexSummary;

  beforeAll(async () => {
    root = writeRepo(FIXTURE);
    summary = await indexRepository(database.sql, { repoRoot: root, workers: 1, precise: true });
  });

  it('replaces the TS call edges of every covered file with exactly the checker edges', async () => {
    const main = await callEdges(database.sql, 'src/main.ts');
    const mainCaller = (line: number) => (line >= 19 ? 'Runner.go' : 'run');
    expect(show(main)).toEqual(expectedEdges('src/main.ts', MAIN, mainCaller).sort());
    expect(new Set(main.map((e) => e.resolution))).toEqual(new Set(['checker']));
    const dog = await callEdges(database.sql, 'src/dog.ts');
    expect(show(dog)).toEqual(expectedEdges('src/dog.ts', DOG, () => 'Dog.constructor').sort());
    const util = await callEdges(database.sql, 'src/util.ts');
    expect(show(util)).toEqual(expectedEdges('src/util.ts', UTIL, () => 'Box.map').sort());
  });

  it('maps overloads to the implementation and re-exported names to their declarations', async () => {
    const main = await callEdges(database.sql, 'src/main.ts');
    const pick = main.find((e) => e.dst === 'pick');
    expect(pick?.dst_file).toBe('src/util.ts');
    const { rows } = await database.sql.query<{ start_line: number }>(
      `SELECT o.start_line FROM kg.relations r JOIN kg.objects o ON o.id = r.dst WHERE r.kind = 'calls' AND o.qualified_name = 'pick'`,
    );
    expect(rows.map((r) => r.start_line)).toEqual([3]);
    expect(main.find((e) => e.dst === 'Animal.speak')?.dst_file).toBe('src/base.ts');
  });

  it('leaves Python calls to the tree-sitter resolver', async () => {
    const py = await callEdges(database.sql, 'py/app.py');
    expect(show(py)).toEqual(['main -> helper@py/app.py:6']);
    expect(py[0]?.resolution).not.toBe('checker');
  });

  it('records the pass in the run summary and the stored run stats', async () => {
    expect(summary.precise).toMatchObject({ config: 'tsconfig.json', files: { requested: 5, covered: 5 }, partial: false, stopReason: null });
    // run: 12 resolved sites, speak() unresolved (a parameter), Math.max external; Runner.go: 2; Box.map: 1 and f() (a parameter); super().
    expect(summary.precise?.sites).toEqual({ resolved: 16, external: 1, unresolved: 2, unmapped: 0 });
    expect(summary.precise?.edges).toBe(16);
    const { rows } = await database.sql.query<{ stats: { precise: { edges: number } | null } }>('SELECT stats FROM kg.index_runs WHERE id = $1', [summary.runId]);
    expect(rows[0]?.stats.precise?.edges).toBe(16);
    const files = await database.sql.query<{ relation_counts: Record<string, number>; unresolved_calls: number }>(
      `SELECT relation_counts, unresolved_calls FROM kg.files WHERE path = 'src/main.ts'`,
    );
    expect(files.rows[0]).toMatchObject({ relation_counts: { calls: 14 }, unresolved_calls: 1 });
  });

  it('re-runs the checker on the changed files of an incremental run', async () => {
    editFile(root, 'src/main.ts', MAIN.replace("  double(2); // calls: double\n", "  double(2); // calls: double\n  d.fetch(); // calls: Dog.fetch\n"));
    const again = await indexRepository(database.sql, { repoRoot: root, workers: 1, precise: true });
    expect(again.mode).toBe('incremental');
    expect(again.precise?.files.covered).toBe(again.files.parsed);
    const main = await callEdges(database.sql, 'src/main.ts');
    expect(main.some((e) => e.dst === 'Dog.fetch' && e.line === 13)).toBe(true);
    expect(new Set(main.map((e) => e.resolution))).toEqual(new Set(['checker']));
  });
});
