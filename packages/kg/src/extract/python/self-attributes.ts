/**
 * `self.attr = …`, augmented and annotated too, at the index it is tried from:
 * group 1 is the attribute, the whole identifier (as calls.ts reads one).
 */
const SELF_ATTRIBUTE_ASSIGNMENT = (self: string): RegExp =>
  new RegExp(
    String.raw`(?<![\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}.])${self}\s*\.\s*([\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\u00B7\u0387\u1369-\u1371\u19DA]*)\s*(?::[^=\n]*)?(?:[-+*/%&|^@]|//|>>|<<|\*\*)?=(?!=)`,
    'uy',
  );

/**
 * How many times `text` assigns each attribute of `self`: for attribute `a`,
 * the matches a global search for `self.a = …` finds one after another (each
 * starting after the previous one ended), all attributes in one pass. Every
 * match starts with the receiver's name, so only where it occurs is tried.
 */
export function countSelfAttributeAssignments(text: string, self: string): Map<string, number> {
  const pattern = SELF_ATTRIBUTE_ASSIGNMENT(self);
  const counts = new Map<string, number>();
  const searchFrom = new Map<string, number>();
  for (let at = text.indexOf(self); at !== -1; at = text.indexOf(self, at + 1)) {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (m === null) continue;
    const attribute = m[1] as string;
    if (at < (searchFrom.get(attribute) ?? 0)) continue;
    counts.set(attribute, (counts.get(attribute) ?? 0) + 1);
    searchFrom.set(attribute, pattern.lastIndex);
  }
  return counts;
}
