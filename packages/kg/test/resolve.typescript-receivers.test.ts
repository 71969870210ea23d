/**
 * TypeScript calls through typed receivers (issue 12 §1): one case per typing
 * rule, each of which linked nothing before receivers were typed; and the
 * cases where the type is not one class, which must link nothing.
 */
import { describe, expect, it } from 'vitest';
import { extractTypeScript } from '../src/extract/typescript.js';
import { resolveRepo } from './support/resolve-repo.js';

const callsFrom = (edges: string[], from: string) => edges.filter((e) => e.startsWith(`calls ${from} `)).map((e) => e.replace(/ \[\w+\]$/, ''));

const SHAPES = `
export interface Shape { area(): number; scale(by: number): Shape }
export class Circle implements Shape {
  area(): number { return 3; }
  scale(by: number): Circle { return this; }
  clone(): this { return this; }
  static unit(): Circle { return new Circle(); }
}
export class Square extends Circle { side(): number { return 1; } }
export function makeCircle(): Circle { return new Circle(); }
export async function loadCircle(): Promise<Circle> { return new Circle(); }
export const defaultCircle = new Circle();
export const typedShape: Shape = new Circle();
`;

function calls(body: string, extra: Record<string, string> = {}): string[] {
  const { edges } = resolveRepo({ 'src/shapes.ts': SHAPES, 'src/use.ts': `import { Circle, Square, Shape, makeCircle, loadCircle, defaultCircle, typedShape } from './shapes';\n${body}`, ...extra });
  return callsFrom(edges, 'run@src/use.ts');
}

describe('typed receivers', () => {
  it('a parameter annotated with a class or interface', () => {
    expect(calls('export function run(c: Circle, s: Shape) { c.area(); s.area(); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Shape.area@src/shapes.ts',
    ]);
  });

  it('an optional or nullable annotation (`c?: C`, `C | undefined`) through `?.` and `!`', () => {
    // One edge per (caller, callee, line): the two calls are on two lines.
    expect(calls('export function run(c?: Circle, d: Circle | null = null) {\n  c?.area();\n  d!.area();\n}')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
    ]);
  });

  it('`const x = new C()` and `const x: T = …`', () => {
    expect(calls('export function run() { const a = new Square(); a.side(); const b: Shape = make(); b.area(); }')).toEqual([
      'calls run@src/use.ts -> Shape.area@src/shapes.ts',
      'calls run@src/use.ts -> Square.side@src/shapes.ts',
      'calls run@src/use.ts -> Square@src/shapes.ts',
    ]);
  });

  it('return types of functions and methods: `f().m()`, `x.m().n()`, `const y = f()`', () => {
    expect(calls('export function run(c: Circle) { makeCircle().area(); c.scale(2).area(); const y = makeCircle(); y.area(); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Circle.scale@src/shapes.ts',
      'calls run@src/use.ts -> makeCircle@src/shapes.ts',
    ]);
  });

  it('a method returning `this` is the receiver\'s own class', () => {
    expect(calls('export function run(s: Square) { s.clone().side(); }')).toContain('calls run@src/use.ts -> Square.side@src/shapes.ts');
  });

  it('awaited promises: `(await f()).m()`, `const x = await f()`', () => {
    expect(calls('export async function run() { (await loadCircle()).area(); const c = await loadCircle(); c.scale(1); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Circle.scale@src/shapes.ts',
      'calls run@src/use.ts -> loadCircle@src/shapes.ts',
    ]);
  });

  it('inherited methods are found on the base class', () => {
    expect(calls('export function run(s: Square) { s.area(); }')).toEqual(['calls run@src/use.ts -> Circle.area@src/shapes.ts']);
  });

  it('`this.field.m()` typed by a field annotation, a `new` initializer or a constructor parameter property', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/holder.ts': `import { Circle, Square, Shape } from './shapes';
export class Holder {
  shape: Shape;
  square = new Square();
  constructor(private readonly circle: Circle) { this.shape = circle; }
  run() { this.shape.area(); this.square.side(); this.circle.scale(1); }
  get first(): Circle { return this.circle; }
  runGetter() { this.first.area(); }
}`,
    });
    expect(callsFrom(edges, 'Holder.run@src/holder.ts')).toEqual([
      'calls Holder.run@src/holder.ts -> Circle.scale@src/shapes.ts',
      'calls Holder.run@src/holder.ts -> Shape.area@src/shapes.ts',
      'calls Holder.run@src/holder.ts -> Square.side@src/shapes.ts',
    ]);
    expect(callsFrom(edges, 'Holder.runGetter@src/holder.ts')).toEqual(['calls Holder.runGetter@src/holder.ts -> Circle.area@src/shapes.ts']);
  });

  it('`this.get().m()`: the return type of a method of the enclosing class', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/holder.ts': `import { Circle } from './shapes';
export class Holder {
  get(): Circle { return new Circle(); }
  run() { this.get().area(); }
}`,
    });
    expect(callsFrom(edges, 'Holder.run@src/holder.ts')).toEqual([
      'calls Holder.run@src/holder.ts -> Circle.area@src/shapes.ts',
      'calls Holder.run@src/holder.ts -> Holder.get@src/holder.ts',
    ]);
  });

  it('imported variables typed by an annotation or a `new` initializer, and types re-exported through an index', () => {
    expect(calls('export function run() { defaultCircle.area(); typedShape.area(); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Shape.area@src/shapes.ts',
    ]);
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/index.ts': "export * from './shapes';\n",
      'src/use.ts': "import type { Square } from './index';\nexport function run(s: Square) { s.side(); }\n",
    });
    expect(callsFrom(edges, 'run@src/use.ts')).toEqual(['calls run@src/use.ts -> Square.side@src/shapes.ts']);
  });

  it('`x as C`, `<C>x` and a top-level `const` of the same file', () => {
    expect(calls('const shared = new Square();\nexport function run(x: unknown) { (x as Circle).area(); shared.side(); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Square.side@src/shapes.ts',
    ]);
  });

  it('static members through the class (`C.unit().area()`)', () => {
    expect(calls('export function run() { Circle.unit().area(); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Circle.unit@src/shapes.ts',
    ]);
  });

  it('the innermost declaration wins (a block-scoped local shadows an outer one)', () => {
    expect(calls('export function run(c: Circle) { { const c = new Square(); c.side(); } c.area(); }')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Square.side@src/shapes.ts',
      'calls run@src/use.ts -> Square@src/shapes.ts',
    ]);
  });
});

describe('typed receivers: destructuring and callbacks', () => {
  it('destructured locals are members of the declared type or of the initializer', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/pair.ts': `import { Circle, Square } from './shapes';
export interface Pair { left: Circle; right: Square }
export function pair(): Pair { return { left: new Circle(), right: new Square() }; }
export function run(p: Pair) {
  const { left, right: r } = pair();
  left.area();
  r.side();
}
export function run2({ right }: Pair) { right.side(); }`,
    });
    expect(callsFrom(edges, 'run@src/pair.ts')).toEqual([
      'calls run@src/pair.ts -> Circle.area@src/shapes.ts',
      'calls run@src/pair.ts -> Square.side@src/shapes.ts',
      'calls run@src/pair.ts -> pair@src/pair.ts',
    ]);
    expect(callsFrom(edges, 'run2@src/pair.ts')).toEqual(['calls run2@src/pair.ts -> Square.side@src/shapes.ts']);
  });

  it('an untyped callback parameter takes the type the callee declares for it (call and `new`)', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/cb.ts': `import { Circle, Square } from './shapes';
export function withCircle(use: (c: Circle, s: Square) => void): void {}
export class Runner { constructor(body: (this: Runner, s: Square) => void) {} }
export function run() {
  withCircle((c, s) => {
    c.area();
    s.side();
  });
  new Runner(function (s) { s.side(); });
}`,
    });
    expect(callsFrom(edges, 'run@src/cb.ts')).toEqual([
      'calls run@src/cb.ts -> Circle.area@src/shapes.ts',
      'calls run@src/cb.ts -> Runner@src/cb.ts',
      'calls run@src/cb.ts -> Square.side@src/shapes.ts',
      'calls run@src/cb.ts -> Square.side@src/shapes.ts',
      'calls run@src/cb.ts -> withCircle@src/cb.ts',
    ]);
  });
});

describe('typed receivers: utility types, object literal types, super()', () => {
  it('`Pick<C, …>`, `Readonly<C>` and friends have the members of C', () => {
    expect(calls("export function run(c: Pick<Circle, 'area'>, r: Readonly<Square>) {\n  c.area();\n  r.side();\n}")).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
      'calls run@src/use.ts -> Square.side@src/shapes.ts',
    ]);
  });

  it('a member of an object type literal (a declared return type `{ a: A }`)', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/lit.ts': `import { Circle } from './shapes';
export class Parser {
  parts(): { circle: Circle; count: number } { return { circle: new Circle(), count: 1 }; }
  run() {
    const { circle } = this.parts();
    circle.area();
  }
}`,
    });
    expect(callsFrom(edges, 'Parser.run@src/lit.ts')).toEqual([
      'calls Parser.run@src/lit.ts -> Circle.area@src/shapes.ts',
      'calls Parser.run@src/lit.ts -> Parser.parts@src/lit.ts',
    ]);
  });

  it('`super()` when no base declares a constructor links the base class', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/sub.ts': "import { Circle } from './shapes';\nexport class Big extends Circle { constructor() { super(); } }\n",
    });
    expect(callsFrom(edges, 'Big.constructor@src/sub.ts')).toEqual(['calls Big.constructor@src/sub.ts -> Circle@src/shapes.ts']);
  });
});

describe('typed receivers: generics', () => {
  it('a type parameter with a constraint has the constraint\'s members (function, class and interface parameters)', () => {
    const { edges } = resolveRepo({
      'src/shapes.ts': SHAPES,
      'src/gen.ts': `import { Circle, Shape } from './shapes';
export function first<T extends Circle, U>(x: T, u: U) {
  x.area();
  u.area();
}
export interface Holder<S extends Shape = Shape> { item: S }
export function run(h: Holder) { h.item.area(); }`,
    });
    expect(callsFrom(edges, 'first@src/gen.ts')).toEqual(['calls first@src/gen.ts -> Circle.area@src/shapes.ts']);
    expect(callsFrom(edges, 'run@src/gen.ts')).toEqual(['calls run@src/gen.ts -> Shape.area@src/shapes.ts']);
  });
});

describe('typed receivers: `this` parameters', () => {
  it('`this.m()` in a function with an explicit `this: C` parameter is a member of C', () => {
    expect(calls('export function run(xs: unknown[]) {\n  xs.forEach(function (this: Circle) { this.area(); });\n}')).toEqual([
      'calls run@src/use.ts -> Circle.area@src/shapes.ts',
    ]);
  });
});

describe('names in a function scope', () => {
  it('never resolve to a member of a class or interface merged with the function', () => {
    const { edges } = resolveRepo({
      'src/ctor.ts': `export interface make { init(): void }
export function make(init: () => void) { init(); }`,
    });
    expect(callsFrom(edges, 'make@src/ctor.ts')).toEqual([]);
  });
});

describe('receivers whose type is not one class link nothing', () => {
  it('unions, any, unknown, arrays, untyped callback parameters, destructuring', () => {
    const body = `export function run(u: Circle | Square, a: any, xs: Circle[], k: unknown) {
  u.area(); a.area(); xs.map((x) => x.area()); const { c } = pick(); c.area(); (k as any).area();
}`;
    expect(calls(body)).toEqual([]);
  });

  it('a member the type does not have', () => {
    expect(calls('export function run(c: Circle) { c.side(); }')).toEqual([]);
  });

  it('a declared but unreadable local shadows a typed outer name', () => {
    expect(calls('export function run(c: Circle) { for (const c of list()) { c.area(); } }')).toEqual([]);
  });
});

describe('the extractor records the hint', () => {
  it('as a type expression the resolver evaluates', () => {
    const { calls: raw } = extractTypeScript({
      filePath: 'a.ts',
      moduleName: 'a',
      source: 'class A { b: B; run(p: P) { this.b.get().m(); p.q.r(); f().g(); new C().d(); } }',
    });
    expect(raw.map((c) => c.receiverType)).toEqual([
      "ReturnType<this['b']['get']>",
      "this['b']",
      "P['q']",
      'ReturnType<typeof f>',
      undefined,
      'C',
      undefined,
    ]);
  });
});
