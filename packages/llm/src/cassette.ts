import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';
import { canonicalRequest, parseRequest, requestHash, stableStringify, type CanonicalRequest, type LlmRequest } from './request.js';
import type { LlmUsage, ProviderName } from './types.js';

const canonicalRequestSchema = z
  .object({
    v: z.literal(1),
    model: z.string().min(1),
    system: z.string().nullable(),
    messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() }).strict()).min(1),
    maxTokens: z.number().int().positive(),
    temperature: z.number().nullable(),
    responseFormat: z.literal('json').nullable(),
  })
  .strict();

/**
 * One recorded call: `<dir>/<hash>.json`. It holds the canonical request (what was
 * hashed) and the answer, never headers, keys or base URLs.
 */
export const cassetteSchema = z
  .object({
    version: z.literal(1),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    request: canonicalRequestSchema,
    response: z
      .object({
        text: z.string(),
        model: z.string(),
        /** Who answered when it was recorded (`anthropic`, `openai`, or `manual` for hand-written ones). */
        provider: z.string(),
        usage: z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }).strict(),
        stopReason: z.string().nullable(),
      })
      .strict(),
    recordedAt: z.string(),
  })
  .strict();

export type Cassette = z.infer<typeof cassetteSchema>;

export function cassettePath(dir: string, hash: string): string {
  return path.join(dir, `${hash}.json`);
}

/**
 * The cassette for `hash`, or undefined when there is none. A file that is not a
 * valid cassette, or whose request does not hash to its name, is LLM_CASSETTE_INVALID:
 * a hand-edited request must not silently answer a different one.
 */
export async function readCassette(dir: string, hash: string): Promise<Cassette | undefined> {
  const file = cassettePath(dir, hash);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentlaneError('LLM_CASSETTE_INVALID', `Cannot read cassette ${file}: ${(error as Error).message}`, { details: { path: file, hash } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AgentlaneError('LLM_CASSETTE_INVALID', `Cassette ${file} is not valid JSON: ${(error as Error).message}`, { details: { path: file, hash } });
  }
  const parsed = cassetteSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AgentlaneError('LLM_CASSETTE_INVALID', `Cassette ${file} fails the cassette schema: ${problems.slice(0, 5).join('; ')}`, {
      details: { path: file, hash, problems },
    });
  }
  const actual = requestHash(parsed.data.request);
  if (parsed.data.hash !== hash || actual !== hash) {
    throw new AgentlaneError('LLM_CASSETTE_INVALID', `Cassette ${file} records a request whose hash is ${actual}, not ${hash}.`, {
      details: { path: file, hash, actual },
    });
  }
  return parsed.data;
}

/** Write a cassette atomically (temp file + rename), creating the directory. */
export async function saveCassette(dir: string, cassette: Cassette): Promise<string> {
  const checked = cassetteSchema.parse(cassette);
  const file = cassettePath(dir, checked.hash);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  // Sorted keys: re-recording the same answer gives the same bytes, so diffs stay small.
  await fs.writeFile(temp, `${JSON.stringify(JSON.parse(stableStringify(checked)), null, 2)}\n`);
  await fs.rename(temp, file);
  return file;
}

export function buildCassette(
  request: CanonicalRequest,
  response: { text: string; model: string; provider: ProviderName | 'manual'; usage: LlmUsage; stopReason: string | null },
  recordedAt: Date = new Date(),
): Cassette {
  return {
    version: 1,
    hash: requestHash(request),
    request,
    response: { text: response.text, model: response.model, provider: response.provider, usage: { ...response.usage }, stopReason: response.stopReason },
    recordedAt: recordedAt.toISOString(),
  };
}

export interface ManualAnswer {
  text: string;
  /** Default: the request's model. */
  model?: string;
  /** Default: 0 and 0. */
  usage?: LlmUsage;
  /** @defaultValue 'end_turn' */
  stopReason?: string | null;
}

/**
 * Write a hand-made cassette (demo fixtures, tests): the answer `request` gets from
 * the replay provider. `defaultModel` must be the replay provider's when the request
 * names no model. Returns the hash and the file.
 */
export async function writeCassette(
  dir: string,
  request: LlmRequest,
  answer: ManualAnswer,
  options: { defaultModel: string },
): Promise<{ hash: string; path: string }> {
  const canonical = canonicalRequest(parseRequest(request), options.defaultModel);
  const cassette = buildCassette(canonical, {
    text: answer.text,
    model: answer.model ?? canonical.model,
    provider: 'manual',
    usage: answer.usage ?? { inputTokens: 0, outputTokens: 0 },
    stopReason: answer.stopReason === undefined ? 'end_turn' : answer.stopReason,
  });
  return { hash: cassette.hash, path: await saveCassette(dir, cassette) };
}
