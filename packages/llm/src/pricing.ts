/** USD per million tokens, input and output. */
export interface ModelPrice {
  input: number;
  output: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * List prices (standard tier, no caching or batch discount) of common models, USD per
 * million tokens: Anthropic's from its models and pricing pages (2026-11), OpenAI's
 * from its published list prices. Prices change: override or extend them with
 * LLM_PRICES or `mergePrices`. A model not in the table costs `null` (unknown), never 0.
 */
export const BUILTIN_PRICES = {
  'claude-fable-5-1': { input: 10, output: 50 },
  'claude-opus-5-5': { input: 4, output: 20 },
  'claude-opus-5': { input: 5, output: 25 },
  'claude-sonnet-5-5': { input: 2, output: 10 },
  'claude-sonnet-5': { input: 2, output: 10 },
  'claude-opus-4-6': { input: 5, output: 25 },
  'claude-sonnet-4-6': { input: 3, output: 15 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4-0': { input: 15, output: 75 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4-0': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
} as const satisfies PriceTable;

/** The built-in table with `overrides` laid over it (an override replaces a model's whole entry). */
export function mergePrices(overrides: Record<string, ModelPrice> = {}, base: PriceTable = BUILTIN_PRICES): PriceTable {
  return Object.freeze({ ...base, ...overrides });
}

/**
 * A dated snapshot (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06`) or a `-latest`
 * alias costs what its base name costs.
 */
const SNAPSHOT_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/;

/**
 * The price of `model`: an exact entry, else the entry of the model without its date
 * suffix. Nothing fuzzier: a prefix match would price `claude-opus-4-5` as `claude-opus-4`.
 */
export function priceFor(model: string, table: PriceTable = BUILTIN_PRICES): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  const alias = model.replace(SNAPSHOT_SUFFIX, '');
  return alias === model ? undefined : table[alias];
}

/** USD for one call, rounded to 1e-9; `null` when the price is unknown. */
export function computeCost(usage: { inputTokens: number; outputTokens: number }, price: ModelPrice | undefined): number | null {
  if (!price) return null;
  const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  return Math.round(usd * 1e9) / 1e9;
}
