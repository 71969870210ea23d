import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@agentlane/core';

/** One request the loopback server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
  /** performance.now() when the request arrived. */
  at: number;
}

/** What the server answers: a status, headers and a JSON (or raw string) body; `hang` never answers. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A raw body sent as is (malformed JSON). */
  raw?: string;
  hang?: boolean;
}

export interface Loopback {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A `node:http` server on 127.0.0.1 that records every request and answers from a
 * script: the i-th request gets `replies[i]` (the last one repeats) or `replies(request, i)`.
 */
export async function startLoopback(replies: Reply[] | ((request: ReceivedRequest, index: number) => Reply)): Promise<Loopback> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: performance.now() };
      requests.push(received);
      const index = requests.length - 1;
      const reply = typeof replies === 'function' ? replies(received, index) : (replies[Math.min(index, replies.length - 1)] ?? {});
      if (reply.hang) return;
      const payload = reply.raw ?? JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens (a server was bound there and closed). */
export async function deadUrl(): Promise<string> {
  const loopback = await startLoopback([]);
  await loopback.close();
  return loopback.url;
}

/** A trace-level logger whose JSON lines are kept in memory. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), lines };
}

// Response bodies as documented by the vendors.

/** Anthropic Messages API, `POST /v1/messages` 200 (https://docs.anthropic.com/en/api/messages). */
export function anthropicMessage(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 2095, output_tokens: 503 },
    ...overrides,
  };
}

/** Anthropic error body (https://docs.anthropic.com/en/api/errors). */
export function anthropicError(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message } };
}

/** OpenAI chat completion object (https://platform.openai.com/docs/api-reference/chat/object). */
export function openAiCompletion(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    ...overrides,
  };
}

/** OpenAI error body (https://platform.openai.com/docs/guides/error-codes). */
export function openAiError(type: string, message: string, code: string | null = null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}
