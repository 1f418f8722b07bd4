/**
 * `via` says how a ticket, comment or audit came to be. Channels are Zendesk's via type names
 * (the REST form); ids are Zendesk's numeric via ids, used by rule conditions (`via_id`).
 */
export interface ViaSource {
  from: Record<string, unknown>;
  to: Record<string, unknown>;
  rel: string | null;
}

export interface Via {
  channel: string;
  source: ViaSource;
}

export const VIA_IDS: Record<string, number> = {
  web: 0,
  email: 4,
  api: 5,
  rule: 8,
  merge: 19,
  closed_ticket: 27,
  business_messaging_slack_connect: 91,
};

export function viaId(channel: string): number | null {
  return VIA_IDS[channel] ?? null;
}

export function via(channel: string, source: Partial<ViaSource> = {}): Via {
  return {
    channel,
    source: { from: source.from ?? {}, to: source.to ?? {}, rel: source.rel ?? null },
  };
}

export const API_VIA = via('api');
