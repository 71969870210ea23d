import fs from 'node:fs';
import path from 'node:path';

/**
 * The one way the indexer reads a file of the repository (sources, .gitignore,
 * tsconfig.json, package.json). A repository is untrusted input: a FIFO named
 * `.gitignore` blocks a plain read forever, a symlink to /dev/zero never ends,
 * a symlink to /etc/passwd reads outside the tree. So a read here:
 *
 * - opens with O_NOFOLLOW | O_NONBLOCK (a FIFO opens without waiting for a writer,
 *   a symlink is refused by the kernel instead of followed),
 * - checks the opened descriptor with fstat and accepts only a regular file,
 * - reads at most `maxBytes + 1` bytes (the fstat size when there is one), so an
 *   oversize or growing file costs at most that,
 * - follows a symlink only when its real path is inside `root` (and is then held
 *   to the same rules).
 *
 * Every refusal is a value with a skip reason, never a throw, a hang or an unbounded read.
 */

export type SafeReadRefusal = 'not_regular' | 'too_large' | 'unreadable' | 'symlink_outside_repo' | 'symlink_loop' | 'broken_symlink';

export type SafeReadResult =
  | { ok: true; bytes: Buffer; size: number; mtimeMs: number }
  | { ok: false; reason: SafeReadRefusal; detail: string; size?: number };

export interface SafeReadOptions {
  /** Canonical (realpath) root of the tree: a symlink must resolve inside it. */
  root: string;
  /** Read at most this many bytes; a larger file is refused as too_large. */
  maxBytes: number;
  /**
   * Also require the file's directory to resolve inside `root`. For paths taken from
   * file contents (tsconfig `extends`), which may name any directory; the walker's own
   * paths never pass through a symlinked directory and skip this cost. @defaultValue false
   */
  verifyDirectory?: boolean;
}

/** Config and ignore files (tsconfig.json, package.json, .gitignore): far smaller than this in practice. */
export const CONFIG_MAX_BYTES = 1024 * 1024;

const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** What a non-regular file is, for the skip detail. */
export function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'fifo';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  if (stat.isSocket()) return 'socket';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'special file';
}

export function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

export function readTreeFile(absPath: string, options: SafeReadOptions): SafeReadResult {
  if (!isInside(options.root, path.resolve(absPath))) return { ok: false, reason: 'unreadable', detail: 'outside the repository' };
  if (options.verifyDirectory) {
    let dir: string;
    try {
      dir = fs.realpathSync.native(path.dirname(absPath));
    } catch (error) {
      return { ok: false, reason: 'unreadable', detail: errnoOf(error) };
    }
    if (!isInside(options.root, dir)) return { ok: false, reason: 'symlink_outside_repo', detail: dir };
  }
  let fd: number;
  try {
    fd = fs.openSync(absPath, OPEN_FLAGS);
  } catch (error) {
    // ELOOP: the last component is a symlink (O_NOFOLLOW). Follow it only into the tree.
    if (errnoOf(error) === 'ELOOP') return readThroughSymlink(absPath, options);
    return { ok: false, reason: 'unreadable', detail: errnoOf(error) };
  }
  try {
    return readOpened(fd, options.maxBytes);
  } finally {
    fs.closeSync(fd);
  }
}

function readThroughSymlink(absPath: string, options: SafeReadOptions): SafeReadResult {
  let real: string;
  try {
    real = fs.realpathSync.native(absPath);
  } catch (error) {
    const code = errnoOf(error);
    return { ok: false, reason: code === 'ELOOP' ? 'symlink_loop' : 'broken_symlink', detail: code };
  }
  if (!isInside(options.root, real)) return { ok: false, reason: 'symlink_outside_repo', detail: real };
  let fd: number;
  try {
    // The real path has no symlink left in its last component; if one was swapped in since, this fails.
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch (error) {
    return { ok: false, reason: 'unreadable', detail: errnoOf(error) };
  }
  try {
    return readOpened(fd, options.maxBytes);
  } finally {
    fs.closeSync(fd);
  }
}

function readOpened(fd: number, maxBytes: number): SafeReadResult {
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (error) {
    return { ok: false, reason: 'unreadable', detail: errnoOf(error) };
  }
  if (!stat.isFile()) return { ok: false, reason: 'not_regular', detail: fileKind(stat) };
  const tooLarge = (size: number): SafeReadResult => ({ ok: false, reason: 'too_large', size, detail: `${size} bytes > limit ${maxBytes}` });
  if (stat.size > maxBytes) return tooLarge(stat.size);
  // Sized by fstat: read exactly that much (a file growing meanwhile yields its first
  // `size` bytes, still under the cap). A regular file claiming size 0 may still have
  // content (procfs-like): read it up to one byte past the cap and stop.
  const limit = stat.size > 0 ? stat.size : maxBytes + 1;
  let buffer = Buffer.allocUnsafe(stat.size > 0 ? stat.size : Math.min(64 * 1024, limit));
  let length = 0;
  try {
    while (length < limit) {
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
  } catch (error) {
    return { ok: false, reason: 'unreadable', detail: errnoOf(error) };
  }
  if (length > maxBytes) return tooLarge(length);
  return { ok: true, bytes: buffer.subarray(0, length), size: length, mtimeMs: stat.mtimeMs };
}
