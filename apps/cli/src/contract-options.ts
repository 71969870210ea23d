import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import type { KgOperation } from '@agentlane/kg';

/**
 * CLI options derived from an operation's input schema (the KG contract): the help
 * text, default, choices and limits of `--depth` are the ones HTTP and MCP use, and
 * each value is checked by the same schema, so they cannot drift apart.
 */

interface FieldFacts {
  base: z.ZodTypeAny;
  description: string | undefined;
  defaultValue: unknown;
  array: boolean;
}

/** What a field is under its wrappers (optional, default, refinements, arrays). */
function factsOf(schema: z.ZodTypeAny): FieldFacts {
  let current: z.ZodTypeAny = schema;
  let description = schema.description;
  let defaultValue: unknown;
  let array = false;
  for (let i = 0; i < 10; i += 1) {
    description ??= current.description;
    if (current instanceof z.ZodDefault) {
      defaultValue = (current._def as { defaultValue: () => unknown }).defaultValue();
      current = current._def.innerType as z.ZodTypeAny;
    } else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodTypeAny;
    else if (current instanceof z.ZodEffects) current = current.innerType() as z.ZodTypeAny;
    else if (current instanceof z.ZodArray && !array) {
      array = true;
      current = current.element as z.ZodTypeAny;
    } else break;
  }
  return { base: current, description, defaultValue, array };
}

/** One value checked by the field's own schema (the element's, for a list). */
function parser(field: string, element: z.ZodTypeAny, numeric: boolean) {
  return (value: string): unknown => {
    const candidate = numeric ? Number(value) : value;
    const parsed = element.safeParse(candidate);
    if (!parsed.success) throw new InvalidArgumentError(`${field}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    return parsed.data;
  };
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export interface ContractOptionOverrides {
  /** The flag, when it is not `--<field-in-kebab-case>` (e.g. `--file` for `files`). */
  flag?: string;
  description?: string;
  hidden?: boolean;
}

/** The commander option of one input field of an operation. */
export function contractOption(operation: KgOperation, field: string, overrides: ContractOptionOverrides = {}): Option {
  const schema = (operation.input.shape as Record<string, z.ZodTypeAny>)[field];
  if (!schema) throw new Error(`${operation.name} has no input field ${field}`);
  const facts = factsOf(schema);
  const flag = overrides.flag ?? `--${kebab(field)}`;
  const description = overrides.description ?? facts.description ?? field;
  if (facts.base instanceof z.ZodBoolean) return new Option(flag, description).default(facts.defaultValue ?? false);
  const numeric = facts.base instanceof z.ZodNumber;
  const placeholder = numeric ? 'n' : kebab(field).replace(/s$/, '');
  const option = new Option(`${flag} <${placeholder}>`, `${description}${facts.array ? ' (repeatable)' : ''}`);
  if (facts.base instanceof z.ZodEnum) option.choices(facts.base.options as string[]);
  const one = parser(field, facts.base, numeric);
  if (facts.array) option.argParser((value: string, previous: unknown[] | undefined) => [...(previous ?? []), one(value)]);
  else if (!(facts.base instanceof z.ZodEnum)) option.argParser(one);
  if (facts.defaultValue !== undefined) option.default(facts.defaultValue);
  if (overrides.hidden) option.hideHelp();
  return option;
}

/** Add the options of `fields` (field → overrides) to a command; answers field → the option's attribute name in `opts`. */
export function addContractOptions(command: Command, operation: KgOperation, fields: Record<string, ContractOptionOverrides>): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [field, overrides] of Object.entries(fields)) {
    const option = contractOption(operation, field, overrides);
    command.addOption(option);
    attributes.set(field, option.attributeName());
  }
  return attributes;
}

/** The fields every read command takes: `--max-tokens`, `--cursor`, and `--json` for `format: json`. */
export const ANSWER_OPTIONS: Record<string, ContractOptionOverrides> = { maxTokens: {}, cursor: {} };
