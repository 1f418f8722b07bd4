/** Slack's `& < >` escaping of message `text`, both ways. */

/** Slack's three control characters, as Slack requires them in `text`. Nothing else is encoded. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The inverse of {@link escapeSlack}. One pass, so `&amp;lt;` becomes the literal `&lt;` and is
 * never decoded twice into `<`.
 */
export function unescapeSlack(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_m, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : '>',
  );
}
