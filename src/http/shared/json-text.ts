import type { FastifyReply } from 'fastify';

/**
 * `{"<key>": <text>, ...rest}` as JSON text, where `text` is JSON already: a page embeds the
 * tickets rendered for it without parsing them back into objects.
 */
export function jsonWith(key: string, text: string, rest: Record<string, unknown> = {}): string {
  const tail = JSON.stringify(rest);
  return `{${JSON.stringify(key)}:${text}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}

/** A JSON array from its items' JSON texts. */
export function jsonArray(items: string[]): string {
  return `[${items.join(',')}]`;
}

/** Sends JSON text as it is; Fastify would send a bare string as text/plain. */
export function sendJsonText(reply: FastifyReply, text: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(text);
}
