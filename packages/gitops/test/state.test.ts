import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSections, writeSections } from '../src/index.js';
import { codeOf } from '../../../test/support/errors.js';


describe('STATE markers', () => {
  const doc = '# State\n\nHuman notes.\n\n<!-- agentlane:begin north-stars -->\nold\n<!-- agentlane:end north-stars -->\n\nMore human text.\n';

  it('replaces a generated section and keeps every byte around it', () => {
    const out = writeSections(doc, { 'north-stars': '- hello-s5: new' });
    expect(out).toBe(doc.replace('\nold\n', '\n- hello-s5: new\n'));
    expect(readSections(out).get('north-stars')).toBe('- hello-s5: new');
  });

  it('appends a section that is not there yet', () => {
    const out = writeSections(doc, { memory: 'remember this' });
    expect(out.startsWith(doc)).toBe(true);
    expect(readSections(out)).toEqual(new Map([['north-stars', 'old'], ['memory', 'remember this']]));
  });

  it('refuses unbalanced, nested or duplicated markers, and bad section names', () => {
    const begin = (s: string) => `<!-- agentlane:begin ${s} -->`;
    const end = (s: string) => `<!-- agentlane:end ${s} -->`;
    for (const bad of [`${begin('a')}\nx`, `x\n${end('a')}`, `${begin('a')}${begin('b')}${end('b')}${end('a')}`, `${begin('a')}${end('a')}${begin('a')}${end('a')}`]) {
      expect(codeOf(() => writeSections(bad, { a: 'y' }))).toBe('STATE_MARKERS_INVALID');
    }
    expect(codeOf(() => writeSections('', { 'Bad Name': 'y' }))).toBe('STATE_MARKERS_INVALID');
  });

  it('generated content cannot smuggle in markers of its own', () => {
    const out = writeSections(doc, { 'north-stars': 'x\n<!-- agentlane:end north-stars -->\n<!-- agentlane:begin evil -->' });
    expect([...readSections(out).keys()]).toEqual(['north-stars']);
  });

  it('property: human text outside the markers survives any rewrite', () => {
    const human = fc.string({ maxLength: 60 }).filter((s) => !s.includes('<!--'));
    fc.assert(
      fc.property(human, human, fc.string({ maxLength: 40 }), (before, after, content) => {
        const text = `${before}\n<!-- agentlane:begin s -->\nx\n<!-- agentlane:end s -->\n${after}`;
        const out = writeSections(text, { s: content });
        expect(out.startsWith(`${before}\n<!-- agentlane:begin s -->`)).toBe(true);
        expect(out.endsWith(`<!-- agentlane:end s -->\n${after}`)).toBe(true);
      }),
    );
  });
});
