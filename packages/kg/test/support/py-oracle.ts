import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One definition as Python's `ast` sees it (see py-oracle.py for the rules). */
export interface OracleDef {
  kind: 'module' | 'class' | 'function' | 'method' | 'variable' | 'property';
  /** '' for the module itself. */
  qualname: string;
  ordinal: number;
  start: number;
  end: number;
  params: string[] | null;
  doc: string | null;
}

export interface OracleFile {
  file: string;
  /** Why `ast` could not parse the file, or null. */
  error: string | null;
  defs: OracleDef[];
}

const ORACLE = fileURLToPath(new URL('./py-oracle.py', import.meta.url));

/**
 * Run py-oracle.py over `paths` with `python3` (no shell: the list goes in on
 * stdin as JSON). Rejects with a clear message when python3 is missing, so a
 * test depending on it fails instead of passing vacuously.
 */
export function runPyOracle(paths: readonly string[]): Promise<OracleFile[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [ORACLE], { maxBuffer: 1 << 30, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? 'python3 is not on PATH: the Python extractor accuracy test compares against Python\'s own `ast` and cannot run without it'
              : `py-oracle.py failed: ${error.message}\n${stderr}`,
          ),
        );
        return;
      }
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as OracleFile),
      );
    });
    child.stdin?.on('error', () => {
      // A missing python3 closes stdin before we write; the exec callback reports it.
    });
    child.stdin?.end(JSON.stringify(paths));
  });
}

/** Where the running python3 keeps its standard library. */
export function pythonStdlibDir(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }, (error, stdout) => {
      if (error !== null) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new Error(missing ? 'python3 is not on PATH: cannot locate the standard library corpus' : error.message));
        return;
      }
      resolve(stdout.trim());
    });
  });
}
