import type { z } from 'zod';
import type { Sql } from '@agentlane/store';
import type { IndexOptions } from '../index/indexer.js';
import type { Clip } from './budget.js';

/**
 * The shape of one KG operation, defined once and served three ways: the CLI builds
 * its options from `input` (defaults, limits, choices, help), the HTTP routes take
 * their request and response schemas from `input` and `output` (and OpenAPI from
 * them), the MCP tools take `input` as their schema. `run` answers with the full
 * result; `view` says how the answer is paged and printed within a token budget.
 */

export const KG_OPERATION_NAMES = ['search', 'show', 'refs', 'outline', 'impact', 'context', 'stats', 'index'] as const;
export type KgOperationName = (typeof KG_OPERATION_NAMES)[number];

/** What an operation runs against. */
export interface KgDeps {
  sql: Sql;
  repoRoot: string;
  /** Settings of on-demand index runs (`kg_index`, `POST /api/kg/index`); never replaces another repository's index. */
  index?: Pick<IndexOptions, 'maxFileBytes' | 'workers' | 'precise' | 'preciseLimits' | 'logger'>;
}

/** How a result is cut into items, grouped (by file) and printed, as text and as JSON. */
export interface View<R, T> {
  items(result: R): readonly T[];
  /** Items of one group (a file) are printed under one header. */
  group?(item: T): string;
  /**
   * The order the chosen items are printed in, when it is not the order they are chosen
   * in: a context pack keeps its best-ranked objects when the budget is short, and
   * prints them by file and line.
   */
  arrange?(items: readonly T[]): T[];
  /** False when the rest of an answer cannot be asked for (a context pack): what did not fit is reported as omitted. */
  pageable: boolean;
  text: {
    head(result: R, clip: Clip): string[];
    group?(key: string, clip: Clip): string;
    item(item: T, clip: Clip): string[];
  };
  json: {
    head(result: R, clip: Clip): Record<string, unknown>;
    /** Where the items go in the JSON answer; null when the answer has no list. */
    list: string | null;
    /** The answer holds one item, not a list (show). */
    single?: boolean;
    item(item: T, clip: Clip): unknown;
    /** The JSON of one group of items; by default `{file, items}`. */
    group?(key: string, items: unknown[]): Record<string, unknown>;
  };
}

export interface KgOperation<I extends z.AnyZodObject = z.AnyZodObject, R = unknown, T = unknown> {
  name: KgOperationName;
  /** One line: CLI help, OpenAPI summary, first line of the MCP description. */
  summary: string;
  /** More for an agent choosing a tool. */
  description: string;
  /** Changes the index (the HTTP route is a POST that needs the token like every route). */
  mutates: boolean;
  input: I;
  /** The JSON answer (`format=json`). */
  output: z.ZodTypeAny;
  http: { method: 'GET' | 'POST'; path: string; /** An input field taken from the path. */ param?: string };
  run(deps: KgDeps, input: z.output<I>): Promise<R>;
  view: View<R, T>;
}

/** Type-checks an operation's parts against each other while keeping its literal types. */
export function defineOperation<I extends z.AnyZodObject, R, T>(operation: KgOperation<I, R, T>): KgOperation<I, R, T> {
  return operation;
}

/** The MCP tool of an operation. */
export const toolName = (name: KgOperationName): string => `kg_${name}`;
