/**
 * Changed paths: every one inside the microtask's allowed_paths, none protected
 * (`.github/**`, the lane file, u_contract policies, the lane file's own list),
 * no symlinks and no submodules (both point outside what the diff shows).
 */
import { globMatcher } from '../glob.js';
import type { Finding, Validator } from './types.js';

export const validatePaths: Validator = (input) => {
  const allowed = globMatcher(input.allowedPaths);
  const protectedGlobs = input.config.protectedPaths.map((glob) => ({ glob, match: globMatcher([glob]) }));
  const findings: Finding[] = [];
  for (const file of input.changes.files) {
    const hit = protectedGlobs.find((p) => p.match(file.path));
    if (hit) {
      findings.push({
        validator: 'paths',
        rule: 'protected_path',
        severity: 'stop',
        message: `${file.path} is protected (${hit.glob}); no microtask may ${file.status === 'deleted' ? 'delete' : 'change'} it`,
        file: file.path,
        pattern: hit.glob,
      });
      continue;
    }
    if (!allowed(file.path)) {
      findings.push({
        validator: 'paths',
        rule: 'outside_allowed_paths',
        severity: 'stop',
        message: `${file.path} (${file.status}) is outside allowed_paths`,
        file: file.path,
        pattern: input.allowedPaths.join(', '),
      });
    }
    if (file.newMode === '120000') {
      findings.push({ validator: 'paths', rule: 'symlink', severity: 'stop', message: `${file.path} is a symbolic link`, file: file.path });
    }
    if (file.newMode === '160000') {
      findings.push({ validator: 'paths', rule: 'submodule', severity: 'stop', message: `${file.path} is a submodule`, file: file.path });
    }
  }
  return findings;
};
