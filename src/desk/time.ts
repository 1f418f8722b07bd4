/** Times are stored as fixed-width ISO-8601 UTC text with milliseconds, so they sort as text. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Zendesk presents times to the second: 2026-11-23T10:00:00Z. */
export function presentTime(value: string | null): string | null {
  return value === null ? null : value.replace(/\.\d{3}Z$/, 'Z');
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
