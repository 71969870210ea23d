import { describe, expect, it } from 'vitest';
import type { Command, Option } from 'commander';
import type { z } from 'zod';
import { KG_OPERATIONS } from '@agentlane/kg';
import { kgCommand } from '../src/commands/kg.js';

/** The CLI options of the KG commands are derived from the operation contract: defaults and limits cannot drift. */
describe('kg command options come from the contract', () => {
  const kg = kgCommand();
  const command = (name: string) => kg.commands.find((c) => c.name() === name) as Command;
  const option = (cmd: Command, flag: string) => cmd.options.find((o: Option) => o.long === flag) as Option;

  it('has the contract defaults: refs lists callers, depth 1, limit 200; search limit and budgets', () => {
    const refs = command('refs');
    for (const [flag, field] of [['--direction', 'direction'], ['--depth', 'depth'], ['--limit', 'limit'], ['--max-tokens', 'maxTokens']] as const) {
      const schema = KG_OPERATIONS.refs.input.shape[field] as z.ZodTypeAny;
      expect({ flag, default: option(refs, flag).defaultValue }).toEqual({ flag, default: schema.parse(undefined) });
    }
    expect(option(refs, '--direction').defaultValue).toBe('in');
    expect(option(refs, '--direction').argChoices).toEqual(['in', 'out', 'both']);
    expect(option(command('search'), '--limit').defaultValue).toBe(KG_OPERATIONS.search.input.shape.limit.parse(undefined));
    expect(option(command('impact'), '--depth').defaultValue).toBe(3);
    expect(option(command('index'), '--full').defaultValue).toBe(false);
  });

  it('checks values with the contract schema', () => {
    const depth = option(command('refs'), '--depth');
    expect(() => depth.parseArg?.('4', undefined)).toThrow(/depth/);
    expect(depth.parseArg?.('3', undefined)).toBe(3);
    const kinds = option(command('refs'), '--kind');
    expect(kinds.parseArg?.('calls', kinds.parseArg?.('imports', undefined))).toEqual(['imports', 'calls']);
    expect(() => option(command('search'), '--max-tokens').parseArg?.('100', undefined)).toThrow(/maxTokens/);
  });
});
