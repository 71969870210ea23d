export { KG_OPERATIONS } from './registry.js';
export { KG_OPERATION_NAMES, toolName, type KgDeps, type KgOperation, type KgOperationName, type View } from './operation.js';
export { createKgService, parseInput, present, type Answer, type KgService } from './service.js';
export { fitPage, clipper, type Clip, type Counter } from './budget.js';
export { DEFAULT_MAX_TOKENS, MIN_MAX_TOKENS, MAX_MAX_TOKENS, FORMATS, TARGET_HELP, type AnswerFormat } from './fields.js';
export { incompletenessText } from './format.js';
export { DEFAULT_REFS_DIRECTION } from './ops/refs.js';
export { DEFAULT_SEARCH_HITS } from './ops/search.js';
