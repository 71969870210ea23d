import { InvalidArgumentError, Option } from 'commander';

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
