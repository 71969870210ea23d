import type { Command } from 'commander';
import { KG_OPERATIONS, TARGET_HELP, createKgService, type KgOperationName } from '@agentlane/kg/query';
import { ANSWER_OPTIONS, addContractOptions, contractOption, type ContractOptionOverrides } from '../contract-options.js';
import { repoOption } from '../options.js';
import { openKgContext } from './kg-context.js';

/**
 * `agentlane kg search|show|refs|outline|impact|context`: the KG operations as commands.
 * Options come from each operation's contract; the answer is the one HTTP and MCP give
 * (compact text, or JSON with --json) within --max-tokens, with a cursor for the rest.
 */

interface QueryCommand {
  name: Exclude<KgOperationName, 'stats' | 'index'>;
  /** The positional argument and the input field it fills (words joined into one string when `join`). */
  argument: { spec: string; help: string; field: string; join?: boolean };
  options: Record<string, ContractOptionOverrides>;
}

const COMMANDS: QueryCommand[] = [
  { name: 'search', argument: { spec: '<query...>', help: 'what to look for', field: 'query', join: true }, options: { kind: {}, language: {}, path: {}, limit: {} } },
  { name: 'show', argument: { spec: '<target>', help: TARGET_HELP, field: 'target' }, options: {} },
  { name: 'refs', argument: { spec: '<target>', help: TARGET_HELP, field: 'target' }, options: { kind: {}, direction: {}, depth: {}, limit: {} } },
  { name: 'outline', argument: { spec: '<file>', help: 'repository-relative path, as indexed', field: 'path' }, options: {} },
  {
    name: 'impact',
    argument: { spec: '[targets...]', help: `changed objects: ${TARGET_HELP}`, field: 'targets' },
    options: { targets: { flag: '--id', description: 'a changed object: id, name or path:line' }, files: { flag: '--file' }, depth: {}, limit: {} },
  },
  { name: 'context', argument: { spec: '[query...]', help: 'what the task is about', field: 'query', join: true }, options: { files: { flag: '--file' }, symbols: { flag: '--symbol' } } },
];

export function addQueryCommands(kg: Command): void {
  for (const spec of COMMANDS) {
    const operation = KG_OPERATIONS[spec.name];
    const command = kg.command(spec.name).description(operation.summary).argument(spec.argument.spec, spec.argument.help).addOption(repoOption());
    const attributes = addContractOptions(command, operation, { ...spec.options, ...ANSWER_OPTIONS });
    // Old spellings, kept for scripts: `kg search --why` (hits always say why now), `kg context --budget`.
    if (spec.name === 'search') command.option('--why', 'hits always say which rankers found them', false);
    if (spec.name === 'context') command.addOption(contractOption(operation, 'maxTokens', { flag: '--budget', description: 'the same as --max-tokens', hidden: true }).default(undefined));
    command.option('--json', 'print the JSON answer (format=json)', false);
    command.action(async (positional: string | string[] | undefined, opts: Record<string, unknown>) => {
      const raw: Record<string, unknown> = {};
      for (const [field, attribute] of attributes) if (opts[attribute] !== undefined) raw[field] = opts[attribute];
      const words = Array.isArray(positional) ? positional : positional === undefined ? [] : [positional];
      if (words.length > 0) {
        const previous = raw[spec.argument.field];
        raw[spec.argument.field] = spec.argument.join ? words.join(' ') : Array.isArray(previous) ? [...words, ...previous] : Array.isArray(positional) ? words : words[0];
      }
      if (opts.budget !== undefined && command.getOptionValueSource('maxTokens') === 'default') raw.maxTokens = opts.budget;
      raw.format = opts.json === true ? 'json' : 'text';
      const ctx = await openKgContext(String(opts.repo));
      try {
        const answer = await createKgService({ sql: ctx.sql, repoRoot: ctx.repoRoot }).answer(spec.name, raw);
        process.stdout.write(answer.format === 'json' ? `${JSON.stringify(JSON.parse(answer.body), null, 2)}\n` : answer.body);
      } finally {
        await ctx.close();
      }
    });
  }
}
