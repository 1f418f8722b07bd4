import pg from 'pg';

/**
 * A dedicated PostgreSQL connection that LISTENs (a pooled one cannot: the pool hands it to
 * other queries and its notifications would go nowhere). When the connection drops it is made
 * again and `onReconnect` runs, so the hub reads what was committed meanwhile: NOTIFY only
 * wakes readers, the rows are the truth.
 */
export interface PgListener {
  close(): Promise<void>;
}

export async function listenPostgres(
  url: string,
  channels: readonly string[],
  onNotify: (channel: string, payload: string) => void,
  onReconnect: () => void,
  onError: (err: unknown) => void,
): Promise<PgListener> {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => onNotify(n.channel, n.payload ?? ''));
    c.on('error', (err) => {
      onError(err);
      void c.end().catch(() => {});
    });
    c.on('end', () => {
      if (client === c) client = null;
      if (!closed) retry = setTimeout(() => void reconnect(), 1000);
    });
    await c.connect();
    for (const ch of channels) await c.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
    client = c;
  };
  const reconnect = async (): Promise<void> => {
    retry = null;
    if (closed) return;
    try {
      await connect();
      onReconnect();
    } catch (err) {
      onError(err);
      if (!closed) retry = setTimeout(() => void reconnect(), 1000);
    }
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      if (c) await c.end().catch(() => {});
    },
  };
}
