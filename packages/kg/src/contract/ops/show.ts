import { z } from 'zod';
import type { KgObject } from '../../model.js';
import { assertIndexed } from '../../query/stats.js';
import { resolveTarget } from '../../query/resolve.js';
import { answerFields, answerTail, target } from '../fields.js';
import { where } from '../format.js';
import { defineOperation } from '../operation.js';

export const showOperation = defineOperation({
  name: 'show',
  summary: 'One code object: signature, params, returns, fields, doc, file and lines',
  description: 'Takes an id, a name, a qualified name or path:line; a name that fits several objects answers KG_AMBIGUOUS with the candidates.',
  mutates: false,
  input: z.object({ target: target(), ...answerFields }),
  output: z.object({
    object: z
      .object({ id: z.string(), kind: z.string(), name: z.string(), qualifiedName: z.string(), filePath: z.string().nullable(), signature: z.string() })
      .passthrough(),
    ...answerTail,
  }),
  http: { method: 'GET', path: '/api/kg/objects/:target', param: 'target' },
  run: async (deps, input): Promise<KgObject> => {
    await assertIndexed(deps.sql);
    return resolveTarget(deps.sql, input.target);
  },
  view: {
    items: (object) => [object],
    pageable: true,
    text: {
      head: () => [],
      item: (o: KgObject, clip) => {
        const out = [`${o.kind} ${clip(o.qualifiedName)} ${where(o, clip)}`, `id ${o.id}`, clip(o.signature)];
        const params = (o.params ?? []).slice(0, clip.entries);
        if (params.length > 0) out.push(`params: ${params.map((p) => clip(`${p.rest ? '...' : ''}${p.name}${p.type ? `: ${p.type}` : ''}${p.default ? ` = ${p.default}` : ''}`)).join(', ')}`);
        if (o.returns) out.push(`returns: ${clip(o.returns.type)}`);
        const fields = (o.fields ?? []).slice(0, clip.entries);
        if (fields.length > 0) out.push(`fields: ${fields.map((f) => clip(`${f.name}${f.type ? `: ${f.type}` : ''}`)).join(', ')}${(o.fields?.length ?? 0) > fields.length ? ', …' : ''}`);
        if (o.exported) out.push('exported');
        if (o.doc) out.push(`doc: ${clip(o.doc.replace(/\s+/g, ' ').trim())}`);
        return out;
      },
    },
    json: { head: () => ({}), list: 'object', single: true, item: (o: KgObject, clip) => clip.deep(o) },
  },
});
