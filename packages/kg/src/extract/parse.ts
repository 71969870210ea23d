import Parser from 'tree-sitter';
import Python from 'tree-sitter-python';
import TypeScript from 'tree-sitter-typescript';
import type { Grammar } from './language.js';

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

const LANGUAGES: Record<Grammar, unknown> = {
  typescript: TypeScript.typescript,
  tsx: TypeScript.tsx,
  python: Python,
};

/** One parser per grammar per thread: parsers are reusable but not thread-safe. */
const parsers = new Map<Grammar, Parser>();

function parserFor(grammar: Grammar): Parser {
  let parser = parsers.get(grammar);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(LANGUAGES[grammar]);
    parsers.set(grammar, parser);
  }
  return parser;
}

/**
 * Parse source text. node-tree-sitter copies the input through a fixed buffer
 * (32 KiB by default) and rejects larger strings, so the buffer is sized to the
 * input: large files parse in one go instead of failing. With `oldTree` (edited
 * to match `source` with `Tree.edit`) the parse reuses what the edits left intact.
 */
export function parseSource(grammar: Grammar, source: string, oldTree?: Tree): Tree {
  const bufferSize = Math.max(32 * 1024, source.length * 2 + 2);
  return parserFor(grammar).parse(source, oldTree, { bufferSize });
}

/** Count ERROR and MISSING nodes: the file's own syntax problems. */
export function countSyntaxErrors(root: SyntaxNode): number {
  if (!root.hasError) return 0;
  let count = 0;
  const cursor = root.walk();
  let done = false;
  while (!done) {
    const node = cursor.currentNode;
    if (node.type === 'ERROR' || node.isMissing) count += 1;
    if (node.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  return count;
}
