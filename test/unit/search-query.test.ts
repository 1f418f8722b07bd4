/**
 * The search syntax (src/desk/search/parse-query.ts), the word forms it matches by prefix
 * (search-text.ts), and, on a real SQLite database, that text goes through the FTS5 index and
 * the ticket rows through their primary key, never a scan of tickets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Db, migrateToLatest, openDatabase } from '../../src/db/index.ts';
import { operatorActor } from '../../src/desk/context.ts';
import { parseSearchQuery, type SearchTerm } from '../../src/desk/search/parse-query.ts';
import { searchQueries } from '../../src/desk/search/search.ts';
import {
  fts5Expression,
  searchWords,
  stemOf,
  tsqueryExpression,
} from '../../src/desk/search/search-text.ts';

function terms(query: string): SearchTerm[] {
  const parsed = parseSearchQuery(query);
  assert.ok(parsed.ok, query);
  return parsed.terms;
}

function problem(query: string): string {
  const parsed = parseSearchQuery(query);
  assert.ok(!parsed.ok, query);
  return parsed.problem;
}

describe('search query syntax', () => {
  it('reads free words, phrases and negation', () => {
    assert.deepEqual(terms('printer "paper jam" -toner'), [
      { kind: 'text', field: 'any', words: ['printer'], phrase: false, negated: false },
      { kind: 'text', field: 'any', words: ['paper', 'jam'], phrase: true, negated: false },
      { kind: 'text', field: 'any', words: ['toner'], phrase: false, negated: true },
    ]);
  });

  it('reads keywords with their operators and quoted values', () => {
    assert.deepEqual(terms('status<solved priority>=normal tags:"a b" -tags:x tag:y'), [
      { kind: 'filter', key: 'status', op: '<', value: 'solved', negated: false },
      { kind: 'filter', key: 'priority', op: '>=', value: 'normal', negated: false },
      { kind: 'filter', key: 'tags', op: ':', value: 'a b', negated: false },
      { kind: 'filter', key: 'tags', op: ':', value: 'x', negated: true },
      { kind: 'filter', key: 'tags', op: ':', value: 'y', negated: false },
    ]);
    assert.deepEqual(terms('subject:vpn'), [
      { kind: 'text', field: 'subject', words: ['vpn'], phrase: false, negated: false },
    ]);
  });

  it('reads unknown keywords as text, as Zendesk does', () => {
    assert.deepEqual(terms('colour:red'), [
      { kind: 'text', field: 'any', words: ['colour', 'red'], phrase: true, negated: false },
    ]);
  });

  it('accepts days and times ago; refuses other dates and unclosed quotes', () => {
    assert.equal(terms('created>2026-01-01 updated<4hours solved>2days').length, 3);
    assert.match(problem('created>2026-02-30'), /created: 2026-02-30 is not a date/);
    assert.match(problem('updated>soon'), /updated: soon is not a date/);
    assert.match(problem('say "hello'), /unclosed quote at character 5/);
  });

  it('splits words as the indexes do and folds English and Italian endings', () => {
    assert.deepEqual(searchWords('Alice.Archer@example.com l’ufficio, Città'), [
      'alice',
      'archer',
      'example',
      'com',
      'l',
      'ufficio',
      'città',
    ]);
    assert.equal(stemOf('printers'), stemOf('printer'));
    assert.equal(stemOf('stampante'), stemOf('stampanti'));
    assert.equal(stemOf('vpn'), 'vpn');
    assert.equal(stemOf('class'), 'class');
  });

  it('writes index expressions only of quoted words', () => {
    const parsed = terms('subject:printers "paper jam"');
    const text = parsed.filter((t) => t.kind === 'text');
    assert.equal(fts5Expression(text), '{subject} : ("printer"*) AND ("paper jam")');
    assert.equal(tsqueryExpression(text), 'printer:*A & (paper <-> jam)');
  });
});

describe('search query plans on SQLite', () => {
  let db: Db;
  before(async () => {
    db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
  });
  after(async () => db.destroy());

  async function plan(query: string, kind: 'tickets' | 'users'): Promise<string> {
    const input = { query, sortOrder: 'desc' as const, page: 1, perPage: 25 };
    const q = searchQueries(db, operatorActor, input, { kind: 'all' }, new Date());
    assert.ok(q.ok);
    const built = q[kind];
    assert.ok(built, `${query} finds ${kind}`);
    const compiled = (built as any).select(sql`1`.as('x')).compile();
    const explained = await sql<{ detail: string }>`explain query plan ${sql.raw(
      inline(compiled.sql, compiled.parameters),
    )}`.execute(db);
    return explained.rows.map((r) => r.detail).join(' | ');
  }

  it('matches ticket text through the FTS5 index and reads tickets by id', async () => {
    const details = await plan('printer "paper jam"', 'tickets');
    assert.match(details, /ticket_search VIRTUAL TABLE INDEX/, details);
    assert.match(details, /SEARCH tickets USING INTEGER PRIMARY KEY/, details);
    assert.doesNotMatch(details, /SCAN tickets/, details);
    // With a keyword as well, whichever side leads, neither table is scanned whole.
    const mixed = await plan('printer status<solved', 'tickets');
    assert.match(mixed, /ticket_search VIRTUAL TABLE INDEX/, mixed);
    assert.doesNotMatch(mixed, /SCAN tickets(?! USING)/, mixed);
  });

  it('matches user text through the FTS5 index', async () => {
    const details = await plan('type:user alice', 'users');
    assert.match(details, /user_search VIRTUAL TABLE INDEX/, details);
    assert.doesNotMatch(details, /SCAN users/, details);
  });
});

/** The query with its parameters written in, for EXPLAIN. */
function inline(text: string, params: readonly unknown[]): string {
  let i = 0;
  return text.replace(/\?/g, () => {
    const p = params[i++];
    return typeof p === 'number' ? String(p) : `'${String(p).replace(/'/g, "''")}'`;
  });
}
