import { z } from 'zod';
import { type ErrorDetails, ValidationError } from '../desk/errors.ts';

/**
 * A refused part of a rule: where it is (`conditions.all[2].operator`) and what is wrong. The
 * problems of one rule become one ValidationError, keyed by path, which the API answers as
 * Zendesk's 422 RecordInvalid with each path in `details`.
 */
export interface RuleProblem {
  path: string;
  message: string;
}

/** `['all', 2, 'operator']` as `all[2].operator`, under `prefix`. */
export function pathOf(prefix: string, keys: readonly PropertyKey[]): string {
  let out = prefix;
  for (const k of keys) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out || 'base';
}

export function zodProblems(prefix: string, err: z.ZodError): RuleProblem[] {
  return err.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return { path: pathOf(prefix, issue.path), message: `unknown key ${keys}` };
    }
    return { path: pathOf(prefix, issue.path), message: issue.message };
  });
}

/** A JSON value quoted for a message: `"contains"`, `42`, `null`. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function problemsError(problems: readonly RuleProblem[]): ValidationError {
  const details: ErrorDetails = {};
  for (const p of problems) {
    (details[p.path] ??= []).push({
      description: `${p.path}: ${p.message}`,
      error: 'InvalidValue',
    });
  }
  return new ValidationError(details);
}

/** Throws the problems, if any, as one ValidationError. */
export function refuse(problems: readonly RuleProblem[]): void {
  if (problems.length > 0) throw problemsError(problems);
}
