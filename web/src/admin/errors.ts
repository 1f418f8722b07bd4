import { ApiError } from '../api.ts';

/** The fields a refused change names (Zendesk's `details`), for a translated message. */
export function invalidFields(err: unknown): string[] {
  if (!(err instanceof ApiError) || err.status !== 422) return [];
  const details = (err.body as { details?: Record<string, unknown> } | null)?.details;
  return details ? Object.keys(details) : [];
}
