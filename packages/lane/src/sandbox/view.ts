/**
 * What a sandboxed command can see: a default-deny file-system view, built as
 * bwrap mount arguments. Only the worktree is writable; the toolchain (`/usr`,
 * `/lib*`, `/bin`, `/sbin`) and `/etc` are read-only, with every secret of `/etc`
 * masked; `/tmp`, `/dev/shm` are private and empty, `/dev` minimal, `/proc` the
 * sandbox's own. Nothing else of the host exists inside: no `/run`, `/var`,
 * `/root`, `/home`, `/sys`, `/srv`, `/opt`, `/mnt`, no other repository and not
 * the main checkout's files (ignored `.env` included).
 *
 * Host Unix sockets live under `/run`, `/var/run`, `/tmp`, `/var/lib/…` or in the
 * abstract namespace: none of those directories is mounted, and the network
 * namespace is always a fresh one (abstract sockets are per network namespace),
 * so no host socket can be reached and no seccomp filter on `connect` is needed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Toolchain directories, read-only (a symlink such as `/bin -> usr/bin` is recreated as the same symlink). */
export const SANDBOX_TOOLCHAIN_PATHS: readonly string[] = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * Secrets under `/etc`, masked whatever their mode (a file becomes an empty,
 * unreadable node; a directory an empty one). Besides these, every entry of
 * `/etc` that is not world-readable, and every socket there, is masked too: the
 * agent runs as uid 0 without capabilities, and an owner check alone would let it
 * read root's 0600 files.
 */
export const ETC_SECRET_PATHS: readonly string[] = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssh',
  '/etc/ssl/private',
  '/etc/security/opasswd',
  '/etc/postgresql',
  '/etc/mysql',
  '/etc/redis',
  '/etc/docker',
  '/etc/containerd',
  '/etc/kubernetes',
  '/etc/letsencrypt',
  '/etc/netrc',
  '/etc/.pwd.lock',
];

/** Depth to which `/etc` is scanned for non-world-readable entries. */
const ETC_SCAN_DEPTH = 6;

export interface MaskedPath {
  path: string;
  kind: 'file' | 'dir';
}

function kindOf(p: string): 'file' | 'dir' | null {
  try {
    return fs.lstatSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/** Every path of `root` to mask: the named secrets plus what the mode or type gives away. */
export function secretPathsUnder(root = '/etc', named: readonly string[] = ETC_SECRET_PATHS): MaskedPath[] {
  const found = new Map<string, MaskedPath['kind']>();
  for (const p of named) {
    const kind = kindOf(p);
    if (kind) found.set(p, kind);
  }
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(full);
      } catch {
        continue;
      }
      const worldReadable = (stat.mode & 0o004) !== 0;
      if (entry.isDirectory()) {
        if (!worldReadable || (stat.mode & 0o001) === 0) found.set(full, 'dir');
        else if (depth > 0) walk(full, depth - 1);
      } else if (!worldReadable || entry.isSocket() || entry.isFIFO() || entry.isBlockDevice() || entry.isCharacterDevice()) {
        found.set(full, 'file');
      }
    }
  };
  walk(root, ETC_SCAN_DEPTH);
  // A path under a masked directory needs no mask of its own (and could not get one).
  const dirs = [...found].filter(([, kind]) => kind === 'dir').map(([p]) => p);
  return [...found]
    .filter(([p]) => !dirs.some((d) => d !== p && p.startsWith(`${d}/`)))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, kind]) => ({ path: p, kind }));
}

export interface ViewOptions {
  /** Mounted read-write at the same path. */
  worktree: string;
  /** Host paths the command needs read-only at the same path (its program, the instructions file, the repository's git directory). */
  readOnly?: readonly string[];
  /** Host paths hidden inside the view even when a read-only path contains them (the git directory's `config`, which may hold a token). */
  masked?: readonly string[];
  /** Replace /etc/resolv.conf with slirp4netns's resolver (the host's may point at its own loopback). */
  resolvConf?: boolean;
}

let empty: string | undefined;

/**
 * An empty read-only file to mount over a masked one. Not /dev/null: bwrap's
 * bind mounts are nodev, so a device node there cannot even be opened, and git
 * dies on a `config` it cannot open where an empty one is fine.
 */
function emptyFile(): string {
  if (empty && fs.existsSync(empty)) return empty;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-sandbox-'));
  empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '', { mode: 0o444 });
  return empty;
}

let resolv: string | undefined;

/** slirp4netns answers DNS at 10.0.2.3. */
function resolvFile(): string {
  if (resolv && fs.existsSync(resolv)) return resolv;
  const dir = path.dirname(emptyFile());
  resolv = path.join(dir, 'resolv.conf');
  fs.writeFileSync(resolv, 'nameserver 10.0.2.3\n', { mode: 0o444 });
  return resolv;
}

function maskArgs(masks: readonly MaskedPath[]): string[] {
  return masks.flatMap((m) => (m.kind === 'dir' ? ['--tmpfs', m.path, '--remount-ro', m.path] : ['--ro-bind', emptyFile(), m.path]));
}

/** The bwrap mount arguments of the view. Later mounts cover earlier ones. */
export function viewArgs(options: ViewOptions, etcMasks: readonly MaskedPath[] = secretPathsUnder()): string[] {
  const args: string[] = [];
  for (const p of SANDBOX_TOOLCHAIN_PATHS) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(p), p);
    else if (stat.isDirectory()) args.push('--ro-bind', p, p);
  }
  args.push('--ro-bind', '/etc', '/etc', ...maskArgs(etcMasks));
  if (options.resolvConf && fs.lstatSync('/etc/resolv.conf', { throwIfNoEntry: false })?.isFile()) args.push('--ro-bind', resolvFile(), '/etc/resolv.conf');
  args.push('--dev', '/dev', '--tmpfs', '/dev/shm', '--proc', '/proc', '--tmpfs', '/tmp');
  for (const p of options.readOnly ?? []) {
    if (!path.isAbsolute(p) || !fs.existsSync(p)) continue;
    // Never re-expose a secret of /etc through a read-only path.
    if (etcMasks.some((m) => p === m.path || p.startsWith(`${m.path}/`))) continue;
    args.push('--ro-bind', p, p);
  }
  for (const p of options.masked ?? []) {
    const kind = kindOf(p);
    if (kind) args.push(...maskArgs([{ path: p, kind }]));
  }
  args.push('--bind', options.worktree, options.worktree, '--chdir', options.worktree);
  return args;
}
