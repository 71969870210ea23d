/**
 * Per-file coverage counters (seed 004 gates). Each counter pair is a numerator
 * and the denominator it is measured against; files store them and the gates
 * sum them per language, so coverage of the whole index is one SQL aggregate.
 */
export interface FileCoverage {
  /** Functions and methods. */
  callables: number;
  /** ... whose params were extracted: a list whose length equals the parameter count seen in the signature text. */
  paramsOk: number;
  /** ... whose source declares a return type. */
  returnsDeclared: number;
  /** ... of those, with the return type extracted. */
  returnsOk: number;
  /** Classes, interfaces, object-literal type aliases, enums whose source body declares fields. */
  fieldsInSource: number;
  /** ... of those, with fields extracted. */
  fieldsOk: number;
  /** All objects. */
  objects: number;
  /** ... with 1 ≤ start_line ≤ end_line ≤ line count. */
  linesOk: number;
  /** Callables with a declared return type whose params and return are both extracted. */
  ioOk: number;
}

export const EMPTY_COVERAGE: FileCoverage = {
  callables: 0,
  paramsOk: 0,
  returnsDeclared: 0,
  returnsOk: 0,
  fieldsInSource: 0,
  fieldsOk: 0,
  objects: 0,
  linesOk: 0,
  ioOk: 0,
};
