import type Parser from 'tree-sitter';
import type { SyntaxNode } from '../parse.js';

/**
 * A tree-sitter TreeCursor with node type and field names cached by id.
 *
 * Every property read on a node-tree-sitter node or cursor is a native call,
 * and every node handed to JavaScript also gets a wrapper object registered
 * for finalization: measured on the standard library, that overhead, not
 * the work, dominated extraction. A cursor moves without creating nodes, and
 * numeric ids are cheaper to read than strings, so the walk reads ids and
 * asks for a name once per id.
 */
export class Cursor {
  private readonly typeNames: (string | undefined)[] = [];
  private readonly fieldNames: (string | undefined)[] = [];

  constructor(private readonly raw: Parser.TreeCursor) {}

  type(): string {
    const id = this.raw.nodeTypeId;
    let name = this.typeNames[id];
    if (name === undefined) {
      name = this.raw.nodeType;
      this.typeNames[id] = name;
    }
    return name;
  }

  /** Field name of the current node in its parent, or '' when it has none. */
  field(): string {
    const id = this.raw.currentFieldId;
    if (id === 0) return '';
    let name = this.fieldNames[id];
    if (name === undefined) {
      name = this.raw.currentFieldName ?? '';
      this.fieldNames[id] = name;
    }
    return name;
  }

  get start(): number {
    return this.raw.startIndex;
  }

  get end(): number {
    return this.raw.endIndex;
  }

  firstChild(): boolean {
    return this.raw.gotoFirstChild();
  }

  lastChild(): boolean {
    return this.raw.gotoLastChild();
  }

  next(): boolean {
    return this.raw.gotoNextSibling();
  }

  previous(): boolean {
    return this.raw.gotoPreviousSibling();
  }

  parent(): boolean {
    return this.raw.gotoParent();
  }

  /** The current node as an object: costly, for rare shapes only. */
  node(): SyntaxNode {
    return this.raw.currentNode;
  }
}

/** Named nodes tree-sitter puts anywhere between tokens: never part of a list's items. */
export function isExtra(type: string): boolean {
  return type === 'comment' || type === 'line_continuation';
}
