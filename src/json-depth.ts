/**
 * How deeply JSON may nest where it enters Parley (API bodies, Slack events, the sandbox).
 *
 * 64 levels: no Zendesk or Slack payload comes close (a Slack rich-text block, the deepest of
 * them, nests about ten), while everything downstream that walks a value recursively
 * (JSON.stringify, zod, the database drivers, the presenters) stays thousands of frames away
 * from the stack limit. Without a bound a 5,000-level `user_fields` overflowed JSON.stringify
 * and came back as a 500.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b; // {
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACE = 0x7d; // }
const CLOSE_BRACKET = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether JSON text nests objects and arrays deeper than `max`, read before it is parsed.
 * A single pass over the characters with a counter: no recursion, no parse, so the check
 * itself cannot overflow and costs little next to JSON.parse. Brackets inside strings do
 * not count. Malformed text is left for the parser to refuse.
 */
export function jsonTextTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  // Each level needs an opening character, so short text cannot be too deep.
  if (text.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether an already parsed value (a Socket Mode envelope the Slack SDK parsed) nests deeper
 * than `max`. Iterative, with an explicit stack, for the same reason as above.
 */
export function valueTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.value === null || typeof node.value !== 'object') continue;
    const depth = node.depth + 1;
    if (depth > max) return true;
    for (const child of Object.values(node.value)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth });
    }
  }
  return false;
}
