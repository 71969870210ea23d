import type Parser from 'tree-sitter';
import type { SourceText } from './source.js';

/** Node type and field names of one grammar, by numeric id. */
export interface GrammarNames {
  types: string[];
  fields: string[];
}

/**
 * A TreeCursor plus the source text: the one way the extractor reads the tree.
 *
 * Why a cursor and not SyntaxNode objects: in node-tree-sitter 0.21 every
 * SyntaxNode handed to JS is a fresh object registered in the tree's node
 * cache (several microseconds each), while a cursor step or a cursor property
 * is a single cheap native call. Extraction has to stay well under the cost of
 * parsing, so the walkers below move one cursor around and read text by
 * slicing the source string with the cursor's indices.
 *
 * Convention: a function that receives the walker positioned on a node leaves
 * it on that same node when it returns.
 */
export class Walker {
  /**
   * @param names node type and field names by id, filled as ids are met:
   * reading a numeric id and looking its name up costs less than the native
   * call that builds a fresh string every time.
   */
  constructor(
    readonly cursor: Parser.TreeCursor,
    readonly src: SourceText,
    private readonly names: GrammarNames,
  ) {}

  // Methods, not getters: the value changes as the cursor moves, and TypeScript
  // would otherwise narrow `w.type` across moves after a comparison.
  type(): string {
    const id = this.cursor.nodeTypeId;
    let name = this.names.types[id];
    if (name === undefined) {
      name = this.cursor.nodeType;
      this.names.types[id] = name;
    }
    return name;
  }

  /** Field name of the current node in its parent, or undefined. */
  field(): string | undefined {
    const id = this.cursor.currentFieldId;
    if (id === 0) return undefined;
    let name = this.names.fields[id];
    if (name === undefined) {
      name = this.cursor.currentFieldName;
      this.names.fields[id] = name;
    }
    return name;
  }

  get start(): number {
    return this.cursor.startIndex;
  }

  get end(): number {
    return this.cursor.endIndex;
  }

  text(): string {
    return this.src.text.slice(this.cursor.startIndex, this.cursor.endIndex);
  }

  /** Move to the first child; false (and no move) for a leaf. */
  down(): boolean {
    return this.cursor.gotoFirstChild();
  }

  /** Move to the last child (a declaration's body); false (and no move) for a leaf. */
  lastChild(): boolean {
    return this.cursor.gotoLastChild();
  }

  next(): boolean {
    return this.cursor.gotoNextSibling();
  }

  up(): void {
    this.cursor.gotoParent();
  }

  /** Reposition on a node obtained elsewhere (see `calls.ts` for why `startIndex` is read first). */
  reset(node: Parser.SyntaxNode): void {
    this.cursor.reset(node);
  }
}
