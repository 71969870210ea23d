import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findAskLine, parseAsk, tokenize } from '../src/index.js';
import { codeOf } from '../../../test/support/errors.js';


describe('/ask grammar', () => {
  it('parses cell, action, positional and key=value arguments, and --plan-only anywhere', () => {
    expect(parseAsk('/ask hello-s5 update_north_star "Ship the demo" owner=ops --plan-only')).toEqual({
      cell: 'hello-s5',
      action: 'update_north_star',
      args: ['Ship the demo'],
      options: { owner: 'ops' },
      planOnly: true,
      line: '/ask hello-s5 update_north_star "Ship the demo" owner=ops --plan-only',
    });
    expect(parseAsk("/ask --plan-only metrics-echo report_sli 'a b'")).toMatchObject({ cell: 'metrics-echo', args: ['a b'], planOnly: true });
  });

  it('finds the /ask line in a longer comment, and nothing in a comment without one', () => {
    expect(findAskLine('Thanks!\r\n  /ask persist-report persist_report  \nmore')).toBe('/ask persist-report persist_report');
    expect(findAskLine('please /ask hello-s5 x')).toBeNull();
    expect(findAskLine('/asking for a friend')).toBeNull();
  });

  it('keeps shell metacharacters as plain data', () => {
    const ask = parseAsk('/ask hello-s5 update_north_star "$(rm -rf ~)" `id` ;ls |cat');
    expect(ask.args).toEqual(['$(rm -rf ~)', '`id`', ';ls', '|cat']);
  });

  it('rejects bad input with ASK_INVALID and a reason', () => {
    for (const bad of [
      '/ask',
      '/ask hello-s5',
      '/ask Hello update',
      '/ask hello-s5 Update-It',
      '/ask hello-s5 go --force',
      '/ask hello-s5 go "unterminated',
      `/ask hello-s5 go ${'x'.repeat(2_001)}`,
      '/ask hello-s5 go \u0000',
      'ask hello-s5 go',
    ]) {
      expect(codeOf(() => parseAsk(bad)), bad.slice(0, 40)).toBe('ASK_INVALID');
    }
  });

  it('property: quoting any argument round-trips through the tokenizer', () => {
    // eslint-disable-next-line no-control-regex
    const arg = fc.string({ minLength: 0, maxLength: 20 }).filter((s) => !/[\u0000-\u001f]/.test(s));
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 6 }), (args) => {
        const quoted = args.map((a) => `"${a.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ');
        expect(tokenize(quoted)).toEqual(args);
      }),
    );
  });

  it('property: parseAsk either parses or throws ASK_INVALID, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (tail) => {
        const code = codeOf(() => parseAsk(`/ask ${tail}`));
        expect(['ok', 'ASK_INVALID']).toContain(code);
      }),
    );
  });
});
