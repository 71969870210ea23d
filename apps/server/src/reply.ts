import type { FastifyError, FastifyReply } from 'fastify';
import { AgentlaneError, ERROR_CODES, coerceError, redactSecretsDeep, type ErrorCode, type Logger } from '@agentlane/core';

/** The one error body every route and the webhook handler answer with. */
export interface ErrorBody {
  /** `candidates`: for KG_AMBIGUOUS, the objects the name fits (id, kind, qualifiedName, filePath, startLine). */
  error: { code: ErrorCode; message: string; candidates?: unknown[] };
}

export interface HttpError {
  status: number;
  body: ErrorBody;
  /** The normalised error, for the server-side log (5xx only). */
  internal: AgentlaneError | null;
}

function isFastifyClientError(error: unknown): error is FastifyError {
  if (error instanceof AgentlaneError || typeof error !== 'object' || error === null) return false;
  const { validation, statusCode } = error as FastifyError;
  return validation !== undefined || (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500);
}

/**
 * Anything thrown, as the client sees it. Fastify's own client errors (schema
 * violations, malformed JSON, oversized bodies, bad media types) keep their 4xx status
 * as `HTTP_BAD_REQUEST`; agentlane errors answer with their catalogue status
 * (`AgentlaneError.httpStatus`); everything else is 500. A 5xx never carries its
 * internal message: the client gets the catalogue's text for the code, the log gets
 * the (redacted) details.
 */
export function toHttpError(error: unknown): HttpError {
  if (isFastifyClientError(error)) {
    const status = error.statusCode ?? 400;
    return { status, body: { error: { code: 'HTTP_BAD_REQUEST', message: error.message } }, internal: null };
  }
  const failure = coerceError(error);
  const status = failure.httpStatus;
  if (status >= 500) return { status, body: { error: { code: failure.code, message: ERROR_CODES[failure.code] } }, internal: failure };
  const candidates = Array.isArray(failure.details.candidates) ? { candidates: failure.details.candidates } : {};
  return { status, body: { error: { code: failure.code, message: failure.message, ...candidates } }, internal: null };
}

/** Send `error` as the one error reply; 5xx are logged (redacted) with the route they came from. */
export function sendError(reply: FastifyReply, error: unknown, logger?: Logger): FastifyReply {
  const { status, body, internal } = toHttpError(error);
  if (internal) {
    logger?.error({ err: redactSecretsDeep(internal.toJSON()), method: reply.request.method, route: reply.request.routeOptions.url ?? null }, 'request failed');
  }
  return reply.status(status).send(body);
}

/**
 * The same error body for requests Node's HTTP parser refuses before fastify sees
 * them (a `\\` in the request target, oversized headers): written on the socket.
 */
export function clientErrorResponse(error: NodeJS.ErrnoException): string | null {
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return null;
  const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = JSON.stringify({ error: { code: 'HTTP_BAD_REQUEST', message: 'The request is not valid HTTP' } } satisfies ErrorBody);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
