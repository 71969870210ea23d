import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignmentTargetLists } from '../src/extract/python/locals.js';
import { countSelfAttributeAssignments } from '../src/extract/python/self-attributes.js';

/**
 * The hand-written scans of the Python extractor against the patterns they
 * replace (their specification): equal on any text, not only on Python.
 */

/** Text made of what the patterns look at: names, spaces, signs, quotes, comments, every line terminator. */
const tricky = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 80 }).map((parts) => parts.join(''));
const CHARS = ['a', 'b', 'self', 'cls', '.', ' ', '\t', '\n', '\r', '\u2028', '\u2029', '=', '==', '+', '-', '*', '/', '>', '<', '%', '@', '#', "'", '"', ':', ',', '(', ')', '[', 'é', '·', 'x_1'];

describe('assignment target lists', () => {
  const ASSIGNMENT = /^[ \t]*([^=\n#'"]*?)(?:[-+*/%&|^@]|\/\/|>>|<<|\*\*)?=(?!=)/gmu;
  const byPattern = (text: string) => [...text.matchAll(ASSIGNMENT)].map((m) => m[1]);

  it('are the captures of the assignment pattern', () => {
    for (const text of ['x = 1', '  a, b = f()\n  c += 2\n  d //= 3\n  e **= 4', 'if a == b:\n  x: int = 3', 'a >= b\n#x = 1\ns = "="', 'a\rb = 1\u2028c = 2', '  >>= 1\n/= 2', '']) {
      expect(assignmentTargetLists(text)).toEqual(byPattern(text));
    }
    const same = (text: string) => {
      expect(assignmentTargetLists(text)).toEqual(byPattern(text));
    };
    fc.assert(fc.property(tricky(CHARS), same), { numRuns: 2000 });
  });
});

describe('self attribute assignments', () => {
  // One search per attribute, as the extractor did before counting all attributes in one pass.
  const byPattern = (text: string, self: string, attribute: string) =>
    [
      ...text.matchAll(
        new RegExp(String.raw`(?<![\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}.])${self}\s*\.\s*${attribute}\s*(?::[^=\n]*)?(?:[-+*/%&|^@]|//|>>|<<|\*\*)?=(?!=)`, 'gu'),
      ),
    ].length;

  it('are counted per attribute as a search for each would count them', () => {
    const check = (text: string) => {
      const counts = countSelfAttributeAssignments(text, 'self');
      for (const attribute of ['a', 'b', 'ab', 'x_1', 'é', 'a·b']) expect(counts.get(attribute) ?? 0).toBe(byPattern(text, 'self', attribute));
    };
    for (const text of ['self.a = 1\nself.a += 2\nself.b: int = 3\nself.ab == 4\nmyself.a = 5\nx.self.a = 6', 'self.b: self.a = 1', 'self . a\t//= 2']) check(text);
    fc.assert(fc.property(tricky(CHARS), check), { numRuns: 2000 });
  });
});
