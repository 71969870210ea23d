/**
 * Small TypeScript sources that `tsc` parses and tree-sitter-typescript 0.23
 * does not (src/extract/typescript/repair.ts rewrites them for the parser):
 * one per construct, each with definitions after the construct, so a lost
 * parse shows as lost definitions. Used by the repair tests and by the
 * accuracy test's suite sample.
 */
export const MODERN_TS_FIXTURES: Record<string, string> = {
  'fixtures/variance.ts': `/** Variance annotations (TS 4.7). */
export interface Producer<out T> {
  make(): T
}
export interface Consumer<in T> {
  take(value: T): void
}
export interface Both<in out T, out E = never> extends Producer<T> {
  readonly value: T
  error?: E
}
export type Getter<out A> = () => A
export type Setter<
  in A,
  in out B extends string = string
> = (a: A, b: B) => void
export class Box<in out T> {
  constructor(readonly value: T) {}
  map<U>(f: (t: T) => U): Box<U> {
    return new Box(f(this.value))
  }
}
export declare function make<const T, out R>(value: T): R
/** A type parameter named \`out\`, with an \`in\` modifier. */
export interface Named<in out> {
  last: out
}
export function after(a: number, b: string): string {
  return b + a
}
`,
  'fixtures/signature-lists.ts': `/** Generic call signatures one per line, without separators. */
export const dual: {
  /**
   * Data-last.
   */
  <A, B>(f: (a: A) => B): (self: ReadonlyArray<A>) => Array<B>
  /**
   * Data-first.
   */
  <A, B>(self: ReadonlyArray<A>, f: (a: A) => B): Array<B>
} = (() => []) as any

export interface Mapper {
  <A>(a: A): Array<A>
  <A, C = A>(a: A, c: C): [A, C]
  <
    const K extends string,
    V
  >(key: K, value: V): Record<K, V>
  readonly name: string
  /** A member named \`in\`, after one with a type. */
  in: "query" | "header"
  out?: number
  method(x: number): void
}

export type Literal = {
  <A>(a: A): A
  new <A>(a: A): Literal
  size: number
}

export function afterSignatures(x: number): number {
  return x
}
`,
  'fixtures/modern-misc.ts': `export type * from "./variance"
export type * as signatures from "./signature-lists"

export abstract class Store {
  static accessor count: number = 0
  private accessor secret = ""
  protected abstract accessor name: string
  accessor plain = 1
  read(): number {
    return Store.count
  }
}

export type Flags = { [K in keyof readonly string[]]?: boolean }

declare const sql: <A>(strings: TemplateStringsArray, ...values: unknown[]) => A

export function query(table: string): number {
  const rows = sql<{ readonly count: number }>\`SELECT count(*) FROM \${table}\`
  let as = rows
  return as
}

export const helpers = {
  using: (x: number) => x,
}

export function disposer(using: { bind(a: null): () => void }): () => void {
  return using.bind(null)
}

export type MissingSelf<Usage extends string> =
  \`Missing \\\`Self\\\` generic - use \\\`class Self extends \${Usage}<Self>(...)\\\`\`

export function last(): void {}
`,
};
