import type { RawCall } from '../extract/types.js';
import type { ParsedFile } from '../model.js';
import type { ParseOutcome } from './parse-worker.js';

/**
 * What a parse worker posts for one file. Structured cloning builds every object
 * of an outcome again on the main thread, which keeps them until the run
 * resolves references: the unsettled call sites alone are hundreds of thousands
 * of objects on a large tree, and each young-generation GC of the main thread
 * that finds them alive copies them. So a file's calls travel as one JSON string
 * and are decoded when the resolver reads `ParsedFile.calls`, each time it does:
 * they then live only while that file is being resolved.
 */
export type ParseMessage =
  | { ok: true; file: Omit<ParsedFile, 'calls'> & { callsJson: string } }
  | Extract<ParseOutcome, { ok: false }>;

export function toParseMessage(outcome: ParseOutcome): ParseMessage {
  if (!outcome.ok) return outcome;
  const { calls, ...file } = outcome.file;
  return { ok: true, file: { ...file, callsJson: JSON.stringify(calls) } };
}

export function fromParseMessage(message: ParseMessage): ParseOutcome {
  if (!message.ok) return message;
  const { callsJson, ...rest } = message.file;
  const file = rest as ParsedFile;
  Object.defineProperty(file, 'calls', { enumerable: true, configurable: true, get: (): RawCall[] => JSON.parse(callsJson) as RawCall[] });
  return { ok: true, file };
}
