import { AgentlaneError, type ErrorCode } from '@agentlane/core';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

/**
 * Parse YAML text against a zod schema; every problem is named with its path
 * (`categories.persist-report.max_files: Expected number`), under one stable code.
 */
export function parseYamlWith<S extends z.ZodTypeAny>(schema: S, text: string, source: string, code: ErrorCode): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new AgentlaneError(code, `${source} is not valid YAML: ${(error as Error).message}`, { details: { source } });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new AgentlaneError(code, `${source} is invalid: ${problems.join('; ')}`, { details: { source, problems } });
  }
  return parsed.data;
}
