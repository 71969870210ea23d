import { AgentlaneError } from '@agentlane/core';

/**
 * `STATE/current_state.md` is the repository's memory. Humans write in it freely;
 * agentlane owns only the sections between its markers:
 *
 *   <!-- agentlane:begin <section> -->
 *   ...generated...
 *   <!-- agentlane:end <section> -->
 *
 * Replacing a section leaves every byte outside it as it was. A section not yet
 * in the file is appended at the end. Unbalanced or duplicated markers are an
 * error, and nothing is rewritten.
 */
export const STATE_PATH = 'STATE/current_state.md';
const SECTION = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MARKER = /<!-- agentlane:(begin|end) ([^ ]+) -->/g;

const begin = (section: string) => `<!-- agentlane:begin ${section} -->`;
const end = (section: string) => `<!-- agentlane:end ${section} -->`;

interface Span {
  section: string;
  /** Offset of the begin marker, and just after the end marker. */
  start: number;
  stop: number;
  /** The content between the markers. */
  inner: [number, number];
}

function spans(text: string): Span[] {
  const found: Span[] = [];
  let open: { section: string; start: number; innerStart: number } | null = null;
  const seen = new Set<string>();
  for (const match of text.matchAll(MARKER)) {
    const [marker, kind, section] = match as unknown as [string, 'begin' | 'end', string];
    const at = match.index ?? 0;
    if (kind === 'begin') {
      if (open) throw new AgentlaneError('STATE_MARKERS_INVALID', `section ${open.section} is not closed before ${section} begins`, { details: { section: open.section } });
      if (seen.has(section)) throw new AgentlaneError('STATE_MARKERS_INVALID', `section ${section} appears twice`, { details: { section } });
      seen.add(section);
      open = { section, start: at, innerStart: at + marker.length };
    } else {
      if (!open || open.section !== section) throw new AgentlaneError('STATE_MARKERS_INVALID', `end of section ${section} without its begin`, { details: { section } });
      found.push({ section, start: open.start, stop: at + marker.length, inner: [open.innerStart, at] });
      open = null;
    }
  }
  if (open) throw new AgentlaneError('STATE_MARKERS_INVALID', `section ${open.section} is never closed`, { details: { section: open.section } });
  return found;
}

/** The generated sections of a STATE file, by name. */
export function readSections(text: string): Map<string, string> {
  return new Map(spans(text).map((span) => [span.section, text.slice(span.inner[0], span.inner[1]).replace(/^\n|\n$/g, '')]));
}

/** Replace (or append) generated sections; text outside the markers is kept byte for byte. */
export function writeSections(text: string, sections: Readonly<Record<string, string>>): string {
  const existing = spans(text);
  let out = text;
  // Right to left, so earlier offsets stay valid.
  for (const span of [...existing].sort((a, b) => b.start - a.start)) {
    const content = sections[span.section];
    if (content === undefined) continue;
    out = `${out.slice(0, span.inner[0])}\n${sanitize(content)}\n${out.slice(span.inner[1])}`;
  }
  const present = new Set(existing.map((span) => span.section));
  for (const [section, content] of Object.entries(sections)) {
    if (!SECTION.test(section)) throw new AgentlaneError('STATE_MARKERS_INVALID', `not a section name: ${JSON.stringify(section)}`, { details: { section } });
    if (present.has(section)) continue;
    const separator = out.length === 0 || out.endsWith('\n\n') ? '' : out.endsWith('\n') ? '\n' : '\n\n';
    out = `${out}${separator}${begin(section)}\n${sanitize(content)}\n${end(section)}\n`;
  }
  return out;
}

/** Generated content cannot open or close a section of its own. */
function sanitize(content: string): string {
  return content.replace(/<!-- agentlane:(begin|end)/g, '<!-- (agentlane) $1').replace(/^\n+|\n+$/g, '');
}
