import { validateImports } from './imports.js';
import { validateLimits } from './limits.js';
import { validatePaths } from './paths.js';
import { validatePatterns } from './patterns.js';
import { validateSecrets } from './secrets.js';
import { validateSymbols } from './symbols.js';
import { validateTestSize } from './test-size.js';
import type { Finding, ValidationInput, Validator } from './types.js';

export * from './types.js';
export { wallTimeFinding } from './limits.js';
export { runTests, type TestRun } from './tests.js';
export { importsOf, moduleMatches, normaliseSpecifier } from './imports.js';

/** The validators that read the change without running it, cheapest first. */
export const STATIC_VALIDATORS: readonly (readonly [string, Validator])[] = [
  ['paths', validatePaths],
  ['limits', validateLimits],
  ['secrets', validateSecrets],
  ['imports', validateImports],
  ['symbols', validateSymbols],
  ['patterns', validatePatterns],
  ['test_size', validateTestSize],
];

/** Run every static validator (all of them: the retry gets the whole picture). */
export async function runStaticValidators(input: ValidationInput): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [, validate] of STATIC_VALIDATORS) findings.push(...(await validate(input)));
  return findings;
}

export function stops(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'stop');
}
