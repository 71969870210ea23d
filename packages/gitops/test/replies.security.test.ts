import { describe, expect, it } from 'vitest';
import { codeSpan, inertMarkdown } from '../src/index.js';

// What the bot posts is built from untrusted text: an LLM's summary and plan, a
// writer's command line, a validator's finding. None of it may ping, link or run HTML.
describe('security: bot replies', () => {
  it('an LLM summary cannot @-mention anyone or reference issues', () => {
    const out = inertMarkdown('cc @octocat and @org/team, closes #12');
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
    expect(out).not.toMatch(/#\d/);
    expect(out.replace(/\u2060/g, '')).toBe('cc @octocat and @org/team, closes #12');
  });

  it('an LLM summary cannot inject HTML or hide text with bidi controls', () => {
    const out = inertMarkdown('<img src=x onerror=alert(1)> <!-- hidden --> a\u202eb');
    expect(out).not.toContain('<');
    expect(out).not.toContain('\u202e');
  });

  it('a command line with backticks cannot close its code span', () => {
    const span = codeSpan('persist ``x`` ` @octocat [l](http://evil)');
    const fence = /^(`+)/.exec(span)?.[1] ?? '';
    expect(fence.length).toBeGreaterThan(2);
    expect(span.endsWith(fence)).toBe(true);
    expect(span.slice(fence.length, -fence.length)).not.toContain(fence);
  });

  it('a multi-line command cannot start a new paragraph', () => {
    expect(codeSpan('a\n\n# heading @octocat')).not.toContain('\n');
  });
});
