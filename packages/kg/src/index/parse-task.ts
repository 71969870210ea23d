import type { ModuleMap } from '../resolve/module-map.js';
import type { ParseTask } from './parse-worker.js';
import type { WalkedFile } from './walk.js';

/** What a parse worker is sent for one walked file. */
export function parseTaskOf(file: WalkedFile, map: ModuleMap, root: string, maxBytes: number): ParseTask {
  return {
    path: file.path,
    absolutePath: file.absolutePath,
    language: file.language,
    moduleName: map.moduleName(file.path),
    size: file.size,
    mtimeMs: file.mtimeMs,
    root,
    maxBytes,
  };
}
