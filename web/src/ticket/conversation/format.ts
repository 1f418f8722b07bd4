/** Dates, times and sizes in the interface's language (Intl), and a person's own local time. */

export function formatDateTime(lang: string | undefined, iso: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

/** When something happened, as a history shows it: the time alone when it was today. */
export function formatWhen(lang: string | undefined, iso: string): string {
  const d = new Date(iso);
  if (d.toDateString() === new Date().toDateString()) {
    return new Intl.DateTimeFormat(lang, { timeStyle: 'short' }).format(d);
  }
  return formatDateTime(lang, iso);
}

/** "3 Mar", with the year when it is not this year's. */
export function formatDay(lang: string | undefined, iso: string): string {
  const d = new Date(iso);
  const thisYear = d.getFullYear() === new Date().getFullYear();
  return new Intl.DateTimeFormat(lang, {
    day: 'numeric',
    month: 'short',
    ...(thisYear ? {} : { year: 'numeric' }),
  }).format(d);
}

/** The time it was for someone in `timeZone`, or null when the zone is not one Intl knows. */
export function formatInZone(
  lang: string | undefined,
  iso: string,
  timeZone: string | null,
): string | null {
  if (!timeZone) return null;
  try {
    return new Intl.DateTimeFormat(lang, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone,
    }).format(new Date(iso));
  } catch {
    return null;
  }
}

export function formatSize(lang: string | undefined, bytes: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}
