import { z } from 'zod';
import { normalizeTags } from '../desk/tickets/native-rules.ts';
import {
  CHANGE_OPS,
  type ConditionField,
  conditionField,
  type Operator,
  OPERATORS,
  type RuleKind,
  TERMINAL_OPERATORS,
  type ValueKind,
} from './condition-fields.ts';
import { type RuleProblem, refuse, shown, zodProblems } from './rule-errors.ts';

/**
 * Conditions in Zendesk's JSON: `{all: [{field, operator, value}], any: […]}`. Parsing checks
 * every condition against the catalogue (condition-fields.ts) and gives each value its
 * canonical form; whatever is unknown (field, operator, value, key) is refused, named with its
 * path, never ignored.
 */

/**
 * A condition's value in canonical form: `null` for none (`''`, or a terminal operator), a
 * number for ids, counts and via ids, a list for words (tags) and via id lists, else a string.
 */
export type ConditionValue = string | number | null | readonly string[] | readonly number[];

export interface Condition {
  field: string;
  operator: Operator;
  value: ConditionValue;
}

export interface Conditions {
  all: Condition[];
  any: Condition[];
}

const rawValue = z
  .union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(z.union([z.string(), z.number()])),
  ])
  .optional();

const rawCondition = z.strictObject({ field: z.string(), operator: z.string(), value: rawValue });

export type RawCondition = z.infer<typeof rawCondition>;

const rawConditions = z.strictObject({
  all: z.array(rawCondition).optional(),
  any: z.array(rawCondition).optional(),
});

/** Operators that read the change list (Zendesk's and the newer `changed_to` family). */
const CHANGE_OPERATORS: ReadonlySet<Operator> = new Set([
  ...CHANGE_OPS,
  'changed_to',
  'changed_from',
  'not_changed_to',
  'not_changed_from',
]);

export interface ParseOptions {
  /** Triggers, automations or views: some fields and the change operators are trigger-only. */
  kind: RuleKind;
  /** Where the conditions sit in the body, for messages: `conditions` (default) or `''`. */
  path?: string;
}

/** Parses `{all, any}`; throws ValidationError naming every bad part. */
export function parseConditions(input: unknown, options: ParseOptions): Conditions {
  const prefix = options.path ?? 'conditions';
  const raw = rawConditions.safeParse(input ?? {});
  if (!raw.success) refuse(zodProblems(prefix, raw.error));
  const given = raw.data ?? {};
  const problems: RuleProblem[] = [];
  const list = (name: 'all' | 'any') =>
    (given[name] ?? []).flatMap((c, i) => {
      const parsed = parseCondition(c, options.kind, `${prefix ? `${prefix}.` : ''}${name}[${i}]`);
      if ('problem' in parsed) {
        problems.push(parsed.problem);
        return [];
      }
      return [parsed.condition];
    });
  const out = { all: list('all'), any: list('any') };
  refuse(problems);
  return out;
}

/**
 * The conditions of a rule body: `conditions: {all, any}`, or Zendesk's legacy (still
 * accepted) top-level `all` / `any`, which views use on create and update.
 */
export function conditionsOfRule(
  body: { conditions?: unknown; all?: unknown; any?: unknown },
  kind: RuleKind,
): Conditions {
  if (body.conditions !== undefined) return parseConditions(body.conditions, { kind });
  const legacy: Record<string, unknown> = {};
  if (body.all !== undefined) legacy.all = body.all;
  if (body.any !== undefined) legacy.any = body.any;
  return parseConditions(legacy, { kind, path: '' });
}

type Parsed = { condition: Condition } | { problem: RuleProblem };

function parseCondition(c: RawCondition, kind: RuleKind, path: string): Parsed {
  const field = conditionField(c.field);
  if (!field) {
    return {
      problem: { path: `${path}.field`, message: `${shown(c.field)} is not a condition field` },
    };
  }
  if (!field.where.includes(kind)) {
    const message = `${c.field} is not a condition of ${kind}s`;
    return { problem: { path: `${path}.field`, message } };
  }
  const operator = operatorOf(c, field, kind);
  if (typeof operator !== 'string') return { problem: { path: `${path}.operator`, ...operator } };
  const value = valueOf(c, operator, field.value);
  if (typeof value === 'object' && value !== null && 'message' in value) {
    return { problem: { path: `${path}.value`, message: value.message } };
  }
  return { condition: { field: c.field, operator, value } };
}

function operatorOf(
  c: RawCondition,
  field: ConditionField,
  kind: RuleKind,
): Operator | { message: string } {
  const op = c.operator as Operator;
  if (!(OPERATORS as readonly string[]).includes(c.operator) || !field.operators.includes(op)) {
    const allowed = field.operators.join(', ');
    return {
      message: `${shown(c.operator)} is not an operator for ${c.field} (allowed: ${allowed})`,
    };
  }
  if (kind !== 'trigger' && CHANGE_OPERATORS.has(op)) {
    return { message: `${shown(c.operator)} reads the update's changes: triggers only` };
  }
  return op;
}

type ValueResult = ConditionValue | { message: string };

function valueOf(c: RawCondition, op: Operator, kind: ValueKind): ValueResult {
  const v = c.value;
  if (TERMINAL_OPERATORS.has(op)) {
    return v === undefined || v === null || v === ''
      ? null
      : { message: `${op} takes no value, got ${shown(v)}` };
  }
  if (v === undefined) return { message: `is required for ${c.field} ${op}` };
  const bad = { message: `${shown(v)} is not a value for ${c.field}${expected(kind)}` };
  const out = valueOfKind(v, op, kind);
  return out === undefined ? bad : out;
}

function expected(kind: ValueKind): string {
  switch (kind.kind) {
    case 'enum':
      return ` (one of ${[...(kind.blank ? ['""'] : []), ...kind.values].join(', ')})`;
    case 'choice':
      return ` (one of ${kind.values.join(', ')})`;
    case 'id':
      return ` (an id${kind.blank ? ', ""' : ''}${kind.special.map((s) => `, ${s}`).join('')})`;
    case 'integer':
      return kind.known ? ' (a known via id)' : ' (a whole number)';
    case 'words':
      return ' (space-separated words)';
    case 'text':
      return ' (a string)';
  }
}

const asText = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : undefined;

function wholeNumber(v: unknown): number | undefined {
  const text = asText(v)?.trim();
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** The canonical value, or undefined when the value does not fit the kind. */
function valueOfKind(v: NonNullable<RawCondition['value']> | null, op: Operator, kind: ValueKind) {
  if (kind.kind === 'words') {
    const words = Array.isArray(v) ? v.map(String) : asText(v);
    return words === undefined ? undefined : normalizeTags(Array.isArray(words) ? words : [words]);
  }
  if (kind.kind === 'integer' && (op === 'includes' || op === 'not_includes')) {
    const items = Array.isArray(v) ? v : (asText(v) ?? '').split(/[\s,]+/).filter(Boolean);
    const ids = items.map((i) => integerOf(i, kind));
    return ids.length > 0 && ids.every((i) => i !== undefined) ? (ids as number[]) : undefined;
  }
  if (Array.isArray(v)) return undefined;
  return scalarOf(v, kind);
}

function integerOf(v: unknown, kind: ValueKind & { kind: 'integer' }): number | undefined {
  const n = wholeNumber(v);
  return n !== undefined && (!kind.known || kind.known.includes(n)) ? n : undefined;
}

function scalarOf(
  v: string | number | boolean | null,
  kind: ValueKind,
): ConditionValue | undefined {
  const text = asText(v);
  switch (kind.kind) {
    case 'enum':
      if (v === null || text === '') return kind.blank ? null : undefined;
      return text !== undefined && kind.values.includes(text) ? text : undefined;
    case 'choice':
      return text !== undefined && kind.values.includes(text) ? text : undefined;
    case 'id':
      if (v === null || text === '') return kind.blank ? null : undefined;
      if (text !== undefined && kind.special.includes(text)) return text;
      return wholeNumber(v);
    case 'integer':
      return integerOf(v, kind);
    case 'text':
      return text;
    default:
      return undefined;
  }
}
