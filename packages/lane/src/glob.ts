import picomatch from 'picomatch';

/**
 * A matcher for repository-relative, '/'-separated paths. Dotfiles match like any
 * other file (`src/**` covers `src/.env`), so an allowlist cannot be dodged with a dot.
 */
export function globMatcher(globs: readonly string[]): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}
