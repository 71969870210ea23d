import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { AgentlaneError } from '@agentlane/core';

/** Option parsers shared by the `kg` commands. */

/** An integer option within [min, max], as a commander argument parser. */
export function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

/** A repeatable option: each use appends. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const repoOption = () => new Option('--repo <dir>', 'repository root (where the index lives)').default('.');

/** For commands that take the repository as `[path]`: `--repo <dir>` names it too, as on every other command. */
export const repoAliasOption = () => new Option('--repo <dir>', 'repository root (the same as [path])');

/** The repository a `[path]` / `--repo` command means; naming two different ones is a usage error. */
export function chosenRepo(positional: string | undefined, option: string | undefined): string {
  if (positional !== undefined && option !== undefined && path.resolve(positional) !== path.resolve(option)) {
    throw new AgentlaneError('CLI_USAGE', `two repositories given: ${positional} and --repo ${option}`, { details: { path: positional, repo: option } });
  }
  return positional ?? option ?? '.';
}
