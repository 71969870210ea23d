import type { KgOperation, KgOperationName } from './operation.js';
import { contextOperation } from './ops/context.js';
import { impactOperation } from './ops/impact.js';
import { indexOperation } from './ops/index-op.js';
import { outlineOperation } from './ops/outline.js';
import { refsOperation } from './ops/refs.js';
import { searchOperation } from './ops/search.js';
import { showOperation } from './ops/show.js';
import { statsOperation } from './ops/stats.js';

/** Every KG operation, by name: the one list the CLI, the HTTP routes and the MCP tools are built from. */
export const KG_OPERATIONS = {
  search: searchOperation,
  show: showOperation,
  refs: refsOperation,
  outline: outlineOperation,
  impact: impactOperation,
  context: contextOperation,
  stats: statsOperation,
  index: indexOperation,
} as const satisfies Record<KgOperationName, KgOperation>;
