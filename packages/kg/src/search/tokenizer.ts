/**
 * Token counting for context packs with a real BPE tokenizer: `o200k_base`, the
 * encoding of OpenAI's GPT-4o family, from `gpt-tokenizer` (pure JavaScript, its
 * tables ship in the package). Other models' tokenizers differ by some percent;
 * budgets are meant to be set with that margin. Loaded on first use (~250 ms).
 */
export const TOKENIZER = 'o200k_base';

type Counter = (text: string) => number;
let counter: Promise<Counter> | null = null;

export function tokenCounter(): Promise<Counter> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text));
  return counter;
}
