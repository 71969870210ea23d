/**
 * Benchmark baseline (worker thread): read a file and run tree-sitter on it,
 * nothing else. `npm run bench:kg` compares the full index against this.
 */
import fs from 'node:fs';
import { grammarFor } from '../extract/language.js';
import { parseSource } from '../extract/parse.js';

export default function rawParse(absolutePath: string): number {
  const grammar = grammarFor(absolutePath);
  if (!grammar) return 0;
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(absolutePath));
  } catch {
    return 0;
  }
  return parseSource(grammar, source).rootNode.endPosition.row;
}
