/**
 * A self-contained API docs page rendered from the OpenAPI document: every route with
 * its summary, parameters (name, where, type, default, limits, description) and
 * responses. No scripts, styles or fonts from elsewhere, so it works offline and under
 * any content security policy; the machine-readable document is `/openapi.json`.
 */

interface Schema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

interface OpenApiOperation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string }>;
}

export interface OpenApiDocument {
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, OpenApiOperation>>;
}

const escape = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function typeOf(schema: Schema | undefined): string {
  if (!schema) return '';
  if (schema.enum) return schema.enum.map(String).join(' | ');
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'object');
}

function limitsOf(schema: Schema | undefined): string {
  if (!schema) return '';
  const parts: string[] = [];
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? ''}…${schema.maximum ?? ''}`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.maxItems !== undefined) parts.push(`≤ ${schema.maxItems} items`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

function row(name: string, where: string, required: boolean, schema: Schema | undefined, description?: string): string {
  return `<tr><td><code>${escape(name)}</code>${required ? ' *' : ''}</td><td>${escape(where)}</td><td><code>${escape(typeOf(schema))}</code></td><td>${escape(limitsOf(schema))}</td><td>${escape(description ?? schema?.description ?? '')}</td></tr>`;
}

export function docsPage(doc: OpenApiDocument): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(methods)) {
      const rows = (op.parameters ?? []).map((p) => row(p.name, p.in, p.required === true, p.schema, p.description));
      const body = op.requestBody?.content?.['application/json']?.schema;
      for (const [name, schema] of Object.entries(body?.properties ?? {})) rows.push(row(name, 'body', body?.required?.includes(name) === true, schema));
      const responses = Object.entries(op.responses ?? {}).map(([status, r]) => `<code>${escape(status)}</code> ${escape(r.description ?? '')}`);
      sections.push(
        `<section><h2><span class="m">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h2><p>${escape(op.summary ?? '')}</p>${op.description ? `<p class="d">${escape(op.description)}</p>` : ''}` +
          (rows.length > 0 ? `<table><tr><th>name</th><th>in</th><th>type</th><th>limits</th><th></th></tr>${rows.join('')}</table>` : '') +
          `<p class="r">${responses.join(' · ')}</p></section>`,
      );
    }
  }
  const title = `${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}`.trim();
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>
body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{font-size:1rem;margin:1.5rem 0 .25rem}.m{display:inline-block;min-width:3.5rem;color:#fff;background:#446;padding:0 .4rem;border-radius:3px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}.d,.r{color:#555}
</style></head><body><h1>${escape(title)}</h1><p>Machine-readable: <a href="openapi.json">openapi.json</a>. Send <code>Authorization: Bearer &lt;token&gt;</code> when the server has one.</p>${sections.join('')}</body></html>`;
}
