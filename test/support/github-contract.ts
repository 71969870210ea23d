/**
 * A loopback GitHub that holds every request to GitHub's own OpenAPI description
 * (`@octokit/openapi`, api.github.com): the route and method must exist, path
 * parameters must have their declared types, required query parameters must be
 * there, and the JSON body must validate against the operation's request schema.
 * A request that breaks the contract gets a 422 and is recorded in `violations`,
 * so a test that forgets to check still fails on the adapter's next step.
 *
 * Answers come from the operation's own example, with the fields a test cares
 * about overridden by its handler.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import AjvModule from 'ajv';

const require = createRequire(import.meta.url);
const Ajv = AjvModule as unknown as typeof AjvModule.default;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: { type?: string };
}
interface Operation {
  operationId: string;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { $ref?: string; value?: unknown }> }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { parameters: Record<string, Parameter>; examples: Record<string, { value: unknown }> };
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  operation: Operation;
}

let loaded: { spec: Spec; routes: Route[]; ajv: InstanceType<typeof Ajv>; validators: Map<string, ReturnType<InstanceType<typeof Ajv>['compile']>> } | null = null;

function contract() {
  if (loaded) return loaded;
  const spec = require('@octokit/openapi/generated/api.github.com.json') as Spec;
  const ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false, allErrors: true, logger: false });
  ajv.addSchema(spec as unknown as object, 'gh');
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name);
        // `{path}` of the contents API and `{ref}` of git refs may hold slashes.
        return name === 'path' || name === 'ref' ? '(.+)' : '([^/]+)';
      })}$`,
    );
    for (const [method, operation] of Object.entries(methods)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method.toUpperCase(), template, pattern, names, operation });
    }
  }
  // Literal segments win over parameters (`/git/refs` before `/git/{ref}`-like routes), and a
  // longer template over its prefix (`/commits/{ref}/check-runs` before `/commits/{ref}`, whose
  // `{ref}` may hold slashes).
  routes.sort((a, b) => a.names.length - b.names.length || b.template.length - a.template.length);
  loaded = { spec, routes, ajv, validators: new Map() };
  return loaded;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function parameters(spec: Spec, operation: Operation): Parameter[] {
  return (operation.parameters ?? []).map((p) => ('$ref' in p ? (spec.components.parameters[p.$ref.split('/').pop() as string] as Parameter) : p));
}

/** The example body of an operation's response (its first 2xx unless `status` is given). */
export function exampleResponse(operationId: string, status?: number): { status: number; body: unknown } {
  const { spec, routes } = contract();
  const route = routes.find((r) => r.operation.operationId === operationId);
  if (!route) throw new Error(`No operation ${operationId} in GitHub's OpenAPI description`);
  const code = status ? String(status) : (Object.keys(route.operation.responses).find((c) => c.startsWith('2')) as string);
  const examples = route.operation.responses[code]?.content?.['application/json']?.examples ?? {};
  const first = Object.values(examples)[0];
  const value = first?.$ref ? spec.components.examples[first.$ref.split('/').pop() as string]?.value : first?.value;
  return { status: Number(code), body: value === undefined ? undefined : structuredClone(value) };
}

export interface ContractRequest {
  method: string;
  path: string;
  operationId: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** Return a status and body, or undefined for the operation's example as is. */
export type ContractHandler = (request: ContractRequest) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;

export interface ContractServer {
  url: string;
  requests: ContractRequest[];
  violations: string[];
  close(): Promise<void>;
}

function check(route: Route, url: URL, params: Record<string, string>, body: unknown, headers: http.IncomingHttpHeaders): string[] {
  const { spec, ajv, validators } = contract();
  const problems: string[] = [];
  const where = `${route.method} ${route.template}`;
  if (!headers.authorization || !/^(token|bearer) \S+$/i.test(headers.authorization)) problems.push(`${where}: no Authorization header`);
  for (const parameter of parameters(spec, route.operation)) {
    if (parameter.in === 'path') {
      const value = params[parameter.name];
      if (!value) problems.push(`${where}: empty path parameter ${parameter.name}`);
      else if (parameter.schema?.type === 'integer' && !/^\d+$/.test(value)) problems.push(`${where}: path parameter ${parameter.name}=${value} is not an integer`);
    }
    if (parameter.in === 'query' && parameter.required && !url.searchParams.has(parameter.name)) problems.push(`${where}: missing query parameter ${parameter.name}`);
  }
  const requestBody = route.operation.requestBody;
  if (requestBody?.content['application/json']) {
    if (body === undefined) {
      if (requestBody.required) problems.push(`${where}: missing JSON body`);
    } else {
      const key = `${route.method} ${route.template}`;
      let validate = validators.get(key);
      if (!validate) {
        validate = ajv.compile({ $ref: `gh#/${pointer('paths', route.template, route.method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema')}` });
        validators.set(key, validate);
      }
      if (!validate(body)) {
        for (const error of validate.errors ?? []) problems.push(`${where}: body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
      }
    }
  } else if (body !== undefined && route.method !== 'GET') {
    problems.push(`${where}: sends a body the operation does not take`);
  }
  return problems;
}

export async function startGitHubContractServer(handler: ContractHandler = () => undefined, options: { basePath?: string } = {}): Promise<ContractServer> {
  const { routes } = contract();
  const requests: ContractRequest[] = [];
  const violations: string[] = [];
  const basePath = options.basePath ?? '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = decodeURIComponent(url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname);
      const method = req.method ?? 'GET';
      const route = routes.find((r) => r.method === method && r.pattern.test(path));
      if (!route) {
        violations.push(`${method} ${path}: no such operation in GitHub's OpenAPI description`);
        return reply(404, { message: 'Not Found (not in the OpenAPI description)' });
      }
      const match = route.pattern.exec(path) as RegExpExecArray;
      const params = Object.fromEntries(route.names.map((name, i) => [name, match[i + 1] as string]));
      let body: unknown;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          violations.push(`${method} ${route.template}: body is not JSON`);
          return reply(400, { message: 'Problems parsing JSON' });
        }
      }
      const problems = check(route, url, params, body, req.headers);
      const request = { method, path, operationId: route.operation.operationId, params, query: url.searchParams, body, headers: req.headers };
      requests.push(request);
      if (problems.length > 0) {
        violations.push(...problems);
        return reply(422, { message: 'Validation Failed', errors: problems });
      }
      try {
        const answer = handler(request) ?? exampleResponse(route.operation.operationId);
        reply(answer.status, answer.body, 'headers' in answer ? answer.headers : {});
      } catch (error) {
        violations.push(`${method} ${route.template}: handler threw ${(error as Error).message}`);
        reply(500, { message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    violations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
