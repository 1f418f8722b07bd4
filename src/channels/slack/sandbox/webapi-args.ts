/**
 * What every Web API method receives: its arguments (strings from a form, multipart or query,
 * or JSON values; `Args` reads both), the token's identity, and the sandbox.
 */
import { jsonTextTooDeep } from '../../../json-depth.ts';
import type { SlackSandbox } from './sandbox.ts';
import { type Conversation, SlackApiError, type TokenInfo } from './workspace.ts';

export type ArgValue = string | number | boolean | Buffer | null | object | undefined;

export class Args {
  constructor(readonly raw: Record<string, ArgValue>) {}

  str(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    return JSON.stringify(v);
  }

  bool(name: string): boolean {
    const v = this.raw[name];
    return v === true || v === 1 || v === 'true' || v === '1';
  }

  int(name: string): number | undefined {
    const s = this.str(name);
    if (s === undefined || s === '') return undefined;
    const n = Number(s);
    return Number.isInteger(n) ? n : Number.NaN;
  }

  /** A JSON-valued argument: form posts carry it as a string, JSON bodies as a value. */
  json(name: string, error = 'invalid_arguments'): unknown {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    if (jsonTextTooDeep(v)) throw new SlackApiError(error);
    try {
      return JSON.parse(v);
    } catch {
      throw new SlackApiError(error);
    }
  }
}

export interface MethodContext {
  sb: SlackSandbox;
  args: Args;
  /** Set for every method except those that authenticate otherwise (oauth.v2.access). */
  auth: TokenInfo;
  basicAuth: { id: string; secret: string } | null;
}

export type Result = Record<string, unknown>;
export type Method = (ctx: MethodContext) => Result | Promise<Result>;

export function required(args: Args, name: string, error = 'invalid_arguments'): string {
  const v = args.str(name);
  if (!v)
    throw new SlackApiError(error, {
      response_metadata: { messages: [`[ERROR] missing required field: ${name}`] },
    });
  return v;
}

/** `channel` may be a conversation id or (chat.postMessage) a user id meaning "their DM". */
export function targetConversation(ctx: MethodContext, channel: string | undefined): Conversation {
  const ws = ctx.sb.workspace;
  const me = ctx.auth.user.id;
  if (channel && /^[UW][A-Z0-9]+$/.test(channel)) {
    const other = ws.user(channel);
    if (!other || other.deleted) throw new SlackApiError('channel_not_found');
    return ws.openIm(me, other.id);
  }
  if (channel?.startsWith('#')) {
    const named = ws.state.conversations.find((c) => c.name === channel.slice(1));
    return ws.visibleConversation(named?.id, me);
  }
  return ws.visibleConversation(channel, me);
}
