import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_BUDGET_TOKENS, MAX_BUDGET_TOKENS, MAX_SEARCH_LIMIT, MIN_BUDGET_TOKENS, OBJECT_KINDS, buildContext, searchObjects, type ObjectKind } from '@agentlane/kg/query';
import { openKgContext } from './kg-context.js';
import { collect, intOption, repoOption } from '../options.js';
import { printJson, table } from '../output.js';

/** `agentlane kg search|context`: find code, and the map of code relevant to a task. */

function collectKind(value: string, previous: ObjectKind[] = []): ObjectKind[] {
  if (!OBJECT_KINDS.includes(value as ObjectKind)) throw new InvalidArgumentError(`expected one of ${OBJECT_KINDS.join(', ')}`);
  return [...previous, value as ObjectKind];
}

export function addSearchCommands(kg: Command): void {
  kg.command('search')
    .description('find code objects by name, partial name, typo or a description in words')
    .argument('<query...>', 'what to look for')
    .addOption(repoOption())
    .option('--kind <kind>', `only this kind (repeatable): ${OBJECT_KINDS.join(', ')}`, collectKind)
    .addOption(new Option('--language <lang>', 'only this language').choices(['ts', 'py']))
    .option('--path <prefix-or-glob>', 'only under this path prefix, or matching this glob (* and ?)')
    .option('--limit <n>', `hits, 1 to ${MAX_SEARCH_LIMIT}`, intOption(1, MAX_SEARCH_LIMIT), 10)
    .option('--why', 'show which rankers found each hit', false)
    .option('--json', 'print as JSON', false)
    .action(
      async (
        words: string[],
        opts: { repo: string; kind?: ObjectKind[]; language?: 'ts' | 'py'; path?: string; limit: number; why: boolean; json: boolean },
      ) => {
        const ctx = await openKgContext(opts.repo);
        try {
          const result = await searchObjects(ctx.sql, words.join(' '), { kind: opts.kind, language: opts.language, path: opts.path, limit: opts.limit });
          if (opts.json) {
            printJson(result);
            return;
          }
          if (result.hits.length === 0) {
            process.stdout.write('no matches\n');
            return;
          }
          const rows = result.hits.map((h, i) => [
            String(i + 1),
            h.kind,
            h.qualifiedName,
            h.filePath ? `${h.filePath}:${h.startLine}` : '(external)',
            ...(opts.why ? [h.reasons.map((r) => `${r.ranker}#${r.rank}`).join(' ')] : []),
          ]);
          process.stdout.write(`${table([['#', 'kind', 'name', 'where', ...(opts.why ? ['why'] : [])], ...rows])}\n`);
        } finally {
          await ctx.close();
        }
      },
    );

  kg.command('context')
    .description('a map of the code relevant to a task: signatures grouped by file, within a token budget')
    .argument('[query...]', 'what the task is about')
    .addOption(repoOption())
    .option('--file <path>', 'a file the task touches, repo-relative (repeatable)', collect)
    .option('--symbol <name-or-id>', 'a symbol the task touches (repeatable)', collect)
    .option('--budget <tokens>', `token budget, ${MIN_BUDGET_TOKENS} to ${MAX_BUDGET_TOKENS}`, intOption(MIN_BUDGET_TOKENS, MAX_BUDGET_TOKENS), DEFAULT_BUDGET_TOKENS)
    .option('--json', 'print as JSON', false)
    .action(async (words: string[], opts: { repo: string; file?: string[]; symbol?: string[]; budget: number; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      try {
        const query = words.join(' ');
        const pack = await buildContext(ctx.sql, {
          query: query.length > 0 ? query : undefined,
          files: opts.file,
          symbols: opts.symbol,
          budgetTokens: opts.budget,
        });
        if (opts.json) printJson(pack);
        else {
          process.stdout.write(pack.text);
          process.stderr.write(`${pack.usedTokens}/${pack.budgetTokens} tokens (${pack.tokenizer}), ${pack.omitted} more objects did not fit\n`);
        }
      } finally {
        await ctx.close();
      }
    });
}
