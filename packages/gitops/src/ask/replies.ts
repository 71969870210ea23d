/**
 * What the bot says back about an `/ask`. Comment text is untrusted: it is never put
 * into a reply as markdown. When a reply has to show some of it (a writer's mistyped
 * cell, a parse error), it goes in an inline code span, where GitHub renders no
 * links, @-mentions, #references, emphasis or HTML; control, line-break and bidi
 * characters are replaced first (a line break could end the span and a paragraph),
 * and the text is cut to a short length.
 */

/** Longest untrusted excerpt a reply shows, in characters. */
export const MAX_ECHO_LENGTH = 120;

// Line breaks and other C0/C1 controls, zero-width and bidi controls, BOM.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** `text` as an inline code span that renders literally, whatever it contains. */
export function codeSpan(text: string, max = MAX_ECHO_LENGTH): string {
  let clean = text.replace(UNSAFE, ' ');
  if ([...clean].length > max) clean = `${[...clean].slice(0, max).join('')}…`;
  if (clean.trim() === '') return '`(empty)`';
  const longestRun = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longestRun + 1);
  // One space each side: CommonMark strips exactly one, so backticks at the ends stay inside.
  return `${fence} ${clean} ${fence}`;
}

/**
 * Untrusted prose (an LLM's summary or plan, a finding's detail) as markdown that
 * pings nobody and runs no HTML: `@name` and `#123` lose their link (a zero-width
 * joiner after the sign), `<` is escaped, control and bidi characters are replaced.
 */
export function inertMarkdown(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, ' ')
    .replace(/([@#])(?=[A-Za-z0-9_-])/g, '$1\u2060')
    .replace(/</g, '&lt;');
}

export const USAGE = '`/ask <cell> <action> [args] [--plan-only]`';

/** To a caller without write access: nothing of their comment is repeated. */
export function forbiddenReply(permission: string): string {
  return `Sorry, only people with write access to this repository can use /ask (your permission here: ${codeSpan(permission)}).`;
}

export function unreadableReply(problem: string): string {
  return `I could not read that /ask: ${codeSpan(problem)}. Usage: ${USAGE}.`;
}

export function unknownCellReply(cell: string, cells: Iterable<string>): string {
  return `There is no cell ${codeSpan(cell)}. Cells here: ${[...cells].map((key) => codeSpan(key)).join(', ')}.`;
}

export function unknownActionReply(cell: string, action: string, actions: Iterable<string>): string {
  return `Cell ${codeSpan(cell)} has no action ${codeSpan(action)}. It allows: ${[...actions].map((a) => codeSpan(a)).join(', ')}.`;
}
