import type pg from 'pg';

/**
 * Runs Parley's parameterised statements as named prepared statements on each PostgreSQL
 * connection.
 *
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it anew each time. For
 * the short statements a help desk runs (one-row inserts, lookups by key) that is most of the
 * server's work: the Slack ingest benchmark spent more PostgreSQL CPU per event than Node CPU.
 * A named statement is parsed once per connection and then only bound and executed.
 *
 * The names are global (one per SQL text, so every connection agrees) and bounded: statements
 * past the first `maxNames` distinct texts run unnamed, which keeps the `in ($1, $2…)` variants
 * from growing each backend's memory without limit.
 *
 * A prepared statement whose result columns change under it (another node migrating `select *`
 * tables) fails with "cached plan must not change result type". A migration changes them for
 * every connection alike, so the first such failure makes each connection of the pool drop
 * its prepared statements before its next one; the write that failed runs again (see
 * retryingConflicts), and no other connection has to fail first to learn of it.
 */
export function useNamedStatements(pool: pg.Pool, maxNames = 300): void {
  const names = new Map<string, string>();
  /** Raised by each stale-plan failure; a connection behind it re-prepares its statements. */
  let generation = 0;
  const nameFor = (text: string): string | null => {
    let name = names.get(text);
    if (name === undefined && names.size < maxNames) {
      name = `parley_${names.size}`;
      names.set(text, name);
    }
    return name ?? null;
  };

  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const connection = (client as unknown as { connection: { parsedStatements: object } })
      .connection;
    let prepared = generation;
    const named = async (name: string, text: string, values: unknown[]) => {
      if (prepared !== generation) {
        prepared = generation;
        await query('DEALLOCATE ALL');
        connection.parsedStatements = {};
      }
      try {
        return await (query({ name, text, values }) as Promise<pg.QueryResult>);
      } catch (err) {
        if ((err as { code?: string }).code === '0A000') generation++;
        throw err;
      }
    };
    const patched = (...args: unknown[]) => {
      const [text, values, callback] = args;
      if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && !callback) {
        const name = nameFor(text);
        if (name) return named(name, text, values);
      }
      return query(...args);
    };
    (client as unknown as { query: typeof patched }).query = patched;
  });
}
