/**
 * Parse-worker entry point (runs on a worker thread under piscina). Reads one
 * file, rejects what is not source text, extracts its objects and references,
 * and settles the references the file decides on its own. Anything that goes
 * wrong becomes a recorded skip, never a crashed run.
 */
import { sha256Hex } from '@agentlane/core';
import { measureCoverage } from '../coverage/probe.js';
import { EXTRACTORS } from '../extract/index.js';
import type { ExtractResult, Language } from '../extract/types.js';
import type { KgObject, KgRelation, ParsedFile, SymbolObject } from '../model.js';
import { RANKED_KINDS } from '../search/ranks.js';
import { Resolver } from '../resolve/resolver.js';
import { SymbolTable } from '../resolve/symbols.js';
import { declaredTypesFor } from '../resolve/type-hints.js';
import { emptyUnresolvedSites } from '../resolve/unresolved.js';
import { toKgObjects } from './objects.js';
import { toParseMessage, type ParseMessage } from './parse-message.js';
import { objectRow, relationRow } from './rows.js';
import { readTreeFile } from './safe-read.js';
import type { SkippedPath } from './walk.js';

export interface ParseTask {
  path: string;
  absolutePath: string;
  language: Language;
  moduleName: string;
  /** Size and modification time seen by the walk: what a content skip (binary, not_utf8) is remembered by. */
  size: number;
  mtimeMs: number;
  /** Canonical repository root: the file is read only if it (or its symlink target) is a regular file inside it. */
  root: string;
  /** Read at most this many bytes. */
  maxBytes: number;
}

export type ParseOutcome = { ok: true; file: ParsedFile } | { ok: false; skip: SkippedPath; sha256?: string };

const BINARY_SNIFF_BYTES = 8000;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function lineCountOf(text: string): number {
  if (text.length === 0) return 0;
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count += 1;
  // A trailing newline ends the last line rather than starting a new one.
  return text.endsWith('\n') ? count - 1 : count;
}

export function parseFile(task: ParseTask): ParseOutcome {
  const read = readTreeFile(task.absolutePath, { root: task.root, maxBytes: task.maxBytes });
  if (!read.ok) {
    const remembered = read.reason === 'too_large' ? { size: task.size, mtimeMs: task.mtimeMs } : { size: read.size };
    return { ok: false, skip: { path: task.path, reason: read.reason, detail: read.detail, ...remembered } };
  }
  const buffer = read.bytes;
  const sha256 = sha256Hex(buffer);
  // Content skips remember the walk's size and mtime: the file is not read again until they change.
  if (buffer.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    return { ok: false, sha256, skip: { path: task.path, reason: 'binary', size: task.size, mtimeMs: task.mtimeMs } };
  }
  let source: string;
  try {
    source = utf8.decode(buffer);
  } catch {
    return { ok: false, sha256, skip: { path: task.path, reason: 'not_utf8', size: task.size, mtimeMs: task.mtimeMs } };
  }
  try {
    const result = EXTRACTORS[task.language]({ filePath: task.path, source, moduleName: task.moduleName });
    return { ok: true, file: resolveWithinFile(toParsedFile(task, result, source, sha256, buffer.length)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, sha256, skip: { path: task.path, reason: 'parse_failed', detail: message.slice(0, 500), size: buffer.length } };
  }
}

/** Objects with their declared types (return, property and variable types), for typed receivers. */
function withDeclaredTypes(language: Language, objects: readonly KgObject[], symbols: SymbolObject[]): SymbolObject[] {
  const types = declaredTypesFor(language, objects);
  symbols.forEach((symbol, i) => Object.assign(symbol, types[i]));
  return symbols;
}

function toParsedFile(task: ParseTask, result: ExtractResult, source: string, sha256: string, size: number): ParsedFile {
  const lineCount = lineCountOf(source);
  const objects = toKgObjects(result, task.path);
  return {
    path: task.path,
    language: task.language,
    moduleName: task.moduleName,
    sha256,
    size,
    mtimeMs: task.mtimeMs,
    lineCount,
    syntaxErrors: result.syntaxErrors,
    objects: withDeclaredTypes(
      task.language,
      objects,
      objects.map(({ id, kind, name, qualifiedName, parentId, startLine, metadata }) => ({
        id,
        kind,
        name,
        qualifiedName,
        parentId,
        startLine,
        // Only modifiers matter to resolution (`export default`).
        metadata: { language: task.language, ...(metadata.modifiers ? { modifiers: metadata.modifiers } : {}) },
      })),
    ),
    objectRows: objects.map(objectRow).join(''),
    imports: result.imports,
    calls: result.calls,
    heritage: result.heritage,
    typeRefs: result.typeRefs,
    localRelationRows: '',
    localRelationCounts: {},
    localRankEdges: new Int32Array(0),
    localCalls: { resolved: 0, unresolved: 0 },
    localUnresolvedSites: emptyUnresolvedSites(),
    localBases: [],
    explicitExports: result.explicitExports,
    coverage: measureCoverage(result.objects, source, task.language, Math.max(lineCount, 1)),
  };
}

/**
 * Settle on the worker what the file alone decides (see `Resolver.resolveLocal`):
 * the main thread then receives fewer references, and these relations are
 * written while other files are still parsing.
 */
function resolveWithinFile(file: ParsedFile): ParsedFile {
  const table = new SymbolTable();
  table.addModule(file.path, file.language, file.moduleName, file.objects, { names: {}, stars: [] });
  const local = new Resolver(table, null).resolveLocal(file);
  const counts: Record<string, number> = {};
  for (const relation of local.relations) counts[relation.kind] = (counts[relation.kind] ?? 0) + 1;
  return {
    ...file,
    localRankEdges: rankEdgesOf(file.objects, local.relations),
    calls: local.remaining.calls,
    heritage: local.remaining.heritage,
    typeRefs: local.remaining.typeRefs,
    localRelationRows: local.relations.map(relationRow).join(''),
    localRelationCounts: counts,
    localCalls: local.calls,
    localUnresolvedSites: local.unresolvedSites,
    localBases: local.bases,
  };
}

/** See `ParsedFile.localRankEdges`. */
function rankEdgesOf(objects: readonly SymbolObject[], relations: readonly KgRelation[]): Int32Array | null {
  const index = new Map<string, number>();
  objects.forEach((o, i) => index.set(o.id, i));
  const out: number[] = [];
  for (const relation of relations) {
    const kind = RANKED_KINDS.indexOf(relation.kind);
    if (kind < 0) continue;
    const src = index.get(relation.src);
    const dst = index.get(relation.dst);
    if (src === undefined || dst === undefined) return null;
    out.push(src, dst, kind);
  }
  return Int32Array.from(out);
}

/** The worker's entry: the outcome as it is posted to the main thread (see parse-message.ts). */
export default function parseFileMessage(task: ParseTask): ParseMessage {
  return toParseMessage(parseFile(task));
}
