import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/**
 * A deterministic barrage of malformed requests. Every one must be refused with a 4xx and a
 * Zendesk error envelope, the server must keep answering, and nothing may be half-written.
 */

/** mulberry32: a tiny seeded PRNG, so every run sends the same requests in the same order. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick<T>(list: readonly T[]): T {
      return list[Math.floor(next() * list.length)]!; // callers pick from non-empty lists
    },
  };
}
type Rng = ReturnType<typeof prng>;

interface Probe {
  label: string;
  method: string;
  path: string;
  /** A JSON value to serialize, unless `raw` is given. */
  json?: unknown;
  raw?: string | Buffer;
  /** null: no content-type header at all. Defaults to application/json when there is a body. */
  contentType?: string | null;
  /** The whole Authorization header; undefined means the admin's valid token, null none. */
  authorization?: string | null;
  headers?: Record<string, string>;
  /** An exact status when the refusal has one obvious answer. */
  expect?: number;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** Values that are never a valid id (the domain must refuse the well-formed but unknown ones). */
const BAD_IDS: unknown[] = [
  -1,
  0,
  1.5,
  -0.5,
  'abc',
  '1e3',
  '',
  null,
  true,
  false,
  {},
  [],
  [1],
  { id: 1 },
  '-1',
  ' 1',
  '1 ',
  '0x10',
  'NaN',
  'Infinity',
  '\u0661',
  1e308,
  -1e308,
  99_999_999,
  2_147_483_648,
  4_294_967_297,
  2 ** 53 + 2, // past Number.MAX_SAFE_INTEGER
  '999999999999999',
  '99999999999999999999',
  '0',
];
/** Nullable ids accept null and ''; everything else above stays invalid. */
const BAD_NULLABLE_IDS = BAD_IDS.filter((v) => v !== null && v !== '');
const BAD_TAGS: unknown[] = [
  123,
  true,
  null,
  { a: 1 },
  [1],
  [null],
  [{}],
  [['nested']],
  ['x'.repeat(256)],
  Array.from({ length: 1001 }, (_, i) => `t${i}`),
  'x'.repeat(10_001),
];
const UNICODE_JUNK = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u202dRTL',
  '💥🔥'.repeat(50),
  '\ufeff',
  'Ω≈ç√∫˜µ≤≥÷',
  '\u0007\u001b[31m',
];

/** Per ticket field, values the API must refuse (alone they make any ticket body invalid). */
const BAD_FIELDS: Record<string, unknown[]> = {
  subject: [123, true, {}, [], ['a'], 'x'.repeat(256)],
  status: ['bogus', 'NEW', 'Open', '', null, 1, [], {}, ['open']],
  priority: ['bogus', 'HIGH', '', 1, [], {}, true],
  type: ['bogus', 'Incident', '', 0, {}, ['task']],
  requester_id: BAD_IDS,
  submitter_id: BAD_IDS,
  assignee_id: BAD_NULLABLE_IDS,
  group_id: BAD_NULLABLE_IDS,
  organization_id: BAD_NULLABLE_IDS,
  brand_id: BAD_IDS,
  tags: BAD_TAGS,
  additional_tags: BAD_TAGS,
  remove_tags: BAD_TAGS,
  external_id: [123, {}, [], true, 'x'.repeat(256)],
  due_at: [
    'not a date',
    '2024-13-45T99:00:00Z',
    '2024-02-30',
    '2026-12-01T24:00:00Z',
    '2026-12-01T10:00:00+25:00',
    '1',
    'Dec 1 2026',
    '',
    12345,
    {},
    true,
    [],
  ],
  comment: [
    'a string',
    123,
    [],
    true,
    null,
    { body: 123 },
    { body: {} },
    { body: ['x'] },
    { html_body: 5 },
    { body: 'x', public: 'yes' },
    { body: 'x', public: 1 },
    { body: 'x', author_id: -1 },
    { body: 'x', author_id: 99_999_999 },
    { body: 'x', author_id: 'abc' },
    { body: 'x', uploads: 'token' },
    { body: 'x', uploads: [1] },
    { body: 'x', uploads: [''] },
    { body: 'x', uploads: ['no-such-upload-token'] },
    { body: 'x', uploads: Array.from({ length: 101 }, (_, i) => `u${i}`) },
    { body: 'x'.repeat(65_537) },
  ],
};
const CREATE_ONLY_FIELDS: Record<string, unknown[]> = {
  requester: [
    'someone@example.com',
    1,
    [],
    {},
    { name: 'No Email' },
    { email: 'not-an-email' },
    { email: 5 },
    { email: 'fresh.requester@example.com', name: 'x'.repeat(256) },
    { email: 'fresh.requester@example.com', locale: 'x'.repeat(21) },
  ],
  via_followup_source_id: [...BAD_IDS],
};
const UNKNOWN_KEYS = ['bogus_field', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'id'];

/** Serializes `value` with `rawKey: extra` (both raw JSON) spliced into its ticket object. */
function withRawKey(value: Record<string, unknown>, rawKey: string, extra: string): string {
  const text = JSON.stringify(value);
  return text.replace(/^\{"ticket":\{/, `{"ticket":{${rawKey}:${extra},`);
}

interface Seed {
  ticketId: number;
  missingId: number;
  endUserAuth: string;
  endUserTicketId: number;
  agentAuth: string;
  adminEmail: string;
  token: string;
}

function generate(rng: Rng, seed: Seed): Probe[] {
  const probes: Probe[] = [];
  const add = (p: Probe) => probes.push(p);
  const validComment = () => ({ body: rng.pick(['help', 'It broke', ...UNICODE_JUNK.slice(2)]) });

  // 1. One invalid field at a time, in otherwise valid creates and updates.
  const fields = { ...BAD_FIELDS };
  for (const [field, values] of Object.entries(fields)) {
    for (const bad of values) {
      add({
        label: `POST /tickets ${field}=${JSON.stringify(bad)?.slice(0, 40)}`,
        method: 'POST',
        path: '/api/v2/tickets.json',
        json: {
          ticket: { ...(field === 'comment' ? {} : { comment: validComment() }), [field]: bad },
        },
      });
      const withComment = rng.next() < 0.5 && field !== 'comment';
      add({
        label: `PUT /tickets/:id ${field}=${JSON.stringify(bad)?.slice(0, 40)}`,
        method: 'PUT',
        path: `/api/v2/tickets/${seed.ticketId}`,
        json: { ticket: { ...(withComment ? { comment: validComment() } : {}), [field]: bad } },
      });
    }
  }
  for (const [field, values] of Object.entries(CREATE_ONLY_FIELDS)) {
    for (const bad of values) {
      add({
        label: `POST /tickets ${field}=${JSON.stringify(bad)?.slice(0, 40)}`,
        method: 'POST',
        path: '/api/v2/tickets',
        json: { ticket: { comment: validComment(), [field]: bad } },
      });
    }
  }
  // A ticket's own id as the follow-up source: it is not closed.
  add({
    label: 'POST /tickets follow-up of an open ticket',
    method: 'POST',
    path: '/api/v2/tickets',
    json: { ticket: { comment: { body: 'x' }, via_followup_source_id: seed.ticketId } },
    expect: 422,
  });

  // NUL characters: PostgreSQL text cannot hold them, so both databases must refuse them alike.
  const nulTickets = [
    { subject: 'a\u0000b', comment: { body: 'x' } },
    { comment: { body: 'nul \u0000 byte' } },
    { comment: { html_body: '<p>\u0000</p>' } },
    { tags: ['a\u0000'], comment: { body: 'x' } },
    { external_id: '\u0000', comment: { body: 'x' } },
    { comment: { body: 'x' }, requester: { email: 'nul@example.com', name: 'N\u0000' } },
  ];
  for (const ticket of nulTickets) {
    add({
      label: `POST /tickets NUL ${JSON.stringify(ticket).slice(0, 50)}`,
      method: 'POST',
      path: '/api/v2/tickets',
      json: { ticket },
      expect: 422,
    });
    add({
      label: `PUT /tickets/:id NUL ${JSON.stringify(ticket).slice(0, 50)}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      json: { ticket },
      expect: 422,
    });
  }
  add({
    label: 'PUT tags NUL',
    method: 'PUT',
    path: `/api/v2/tickets/${seed.ticketId}/tags`,
    json: { tags: ['ok', 'n\u0000ul'] },
    expect: 422,
  });

  // 2. Several invalid fields at once, with unknown and prototype-ish keys mixed in.
  const fieldNames = Object.keys(BAD_FIELDS);
  for (let i = 0; i < 60; i++) {
    const ticket: Record<string, unknown> = { comment: validComment() };
    const n = 1 + rng.int(3);
    for (let k = 0; k < n; k++) {
      const f = rng.pick(fieldNames);
      ticket[f] = rng.pick(BAD_FIELDS[f]!); // f is one of its keys
    }
    ticket[rng.pick(UNKNOWN_KEYS)] = rng.pick([1, 'x', null, {}, [], ...UNICODE_JUNK]);
    const isCreate = rng.next() < 0.5;
    add({
      label: `${isCreate ? 'POST' : 'PUT'} mixed #${i}`,
      method: isCreate ? 'POST' : 'PUT',
      path: isCreate ? '/api/v2/tickets' : `/api/v2/tickets/${seed.ticketId}`,
      json: { ticket },
    });
  }

  // 3. Prototype-pollution keys: Fastify refuses `__proto__` and `constructor.prototype`;
  //    a plain `constructor` key must just be ignored next to an invalid field.
  const pollution = [
    ['"__proto__"', '{"status":"solved","admin":true}'],
    ['"__proto__"', 'null'],
    ['"constructor"', '{"prototype":{"status":"solved"}}'],
    ['"constructor"', '{"name":"x"}'],
    ['"\\u005f_proto__"', '{"x":1}'],
  ] as const;
  for (const [key, extra] of pollution) {
    add({
      label: `POST /tickets with ${key}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: withRawKey({ ticket: { comment: { body: 'x' }, status: 'bogus' } }, key, extra),
    });
    add({
      label: `PUT /tickets/:id with ${key}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      raw: withRawKey({ ticket: { priority: 'bogus' } }, key, extra),
    });
    add({
      label: `POST tags with top-level ${key}`,
      method: 'POST',
      path: `/api/v2/tickets/${seed.ticketId}/tags`,
      raw: `{"tags":7,${key}:${extra}}`,
    });
  }
  add({
    label: 'POST /tickets top-level __proto__ only',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: '{"__proto__":{"ticket":{"comment":{"body":"x"}}}}',
  });

  // 4. Missing or wrong envelopes, and bodies that are not objects.
  const validTicket = { comment: { body: 'valid but badly wrapped' } };
  const envelopes: unknown[] = [
    null,
    [],
    'string',
    42,
    true,
    {},
    { ticket: null },
    { ticket: [] },
    { ticket: 'x' },
    { ticket: 1 },
    { ticket: [validTicket] },
    { tickets: [validTicket] },
    { Ticket: validTicket },
    [{ ticket: validTicket }],
    { request: validTicket },
  ];
  for (const body of envelopes) {
    add({
      label: `POST /tickets envelope ${JSON.stringify(body).slice(0, 40)}`,
      method: 'POST',
      path: '/api/v2/tickets',
      json: body,
    });
    add({
      label: `PUT /tickets/:id envelope ${JSON.stringify(body).slice(0, 40)}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      json: body,
    });
  }

  // 5. Bytes that are not JSON at all.
  const valid = JSON.stringify({ ticket: { comment: { body: 'truncated' }, subject: 'cut' } });
  for (let i = 0; i < 25; i++) {
    const cut = 1 + rng.int(valid.length - 1);
    add({
      label: `POST /tickets truncated at ${cut}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: valid.slice(0, cut),
      expect: 400,
    });
  }
  const notJson = [
    "{'ticket':{}}",
    '{"ticket":{"comment":{"body":"x"},}}',
    '{"ticket":{"comment":{"body":"x"}}}}',
    '{"ticket":{"requester_id":NaN,"comment":{"body":"x"}}}',
    '{"ticket":{"requester_id":Infinity,"comment":{"body":"x"}}}',
    '{"ticket":{"requester_id":0x10,"comment":{"body":"x"}}}',
    '{"ticket":{"comment":{"body":"x"}} /* comment */}',
    '{"ticket":{"comment":{"body":"\\x41"}}}',
    '{"ticket":{"comment":{"body":"\\ud83"}}}',
    'undefined',
    '<ticket><subject>xml</subject></ticket>',
    'ticket[comment][body]=form',
    '\u0000\u0001\u0002',
  ];
  for (const text of notJson) {
    add({
      label: `POST /tickets not JSON ${text.slice(0, 30)}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: text,
      expect: 400,
    });
    add({
      label: `PUT /tickets/:id not JSON ${text.slice(0, 30)}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      raw: text,
      expect: 400,
    });
  }
  // Invalid UTF-8 decodes to U+FFFD: inside a string that is still JSON (and then invalid
  // input), outside one it is not JSON at all.
  add({
    label: 'POST /tickets invalid UTF-8 in a key',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    expect: 422,
  });
  add({
    label: 'POST /tickets invalid UTF-8 as a value',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: Buffer.concat([
      Buffer.from('{"ticket":'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('}'),
    ]),
    expect: 400,
  });
  // An empty JSON body is no body (clients send the JSON content type on every request), so
  // the envelope is missing.
  add({
    label: 'POST /tickets empty JSON body',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: '',
    expect: 422,
  });
  add({
    label: 'PUT /tickets/:id empty JSON body',
    method: 'PUT',
    path: `/api/v2/tickets/${seed.ticketId}`,
    raw: '',
    expect: 422,
  });
  add({
    label: 'PUT tags empty JSON body',
    method: 'PUT',
    path: `/api/v2/tickets/${seed.ticketId}/tags`,
    raw: '',
    expect: 422,
  });
  add({
    label: 'POST /tickets whitespace JSON body',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: ' \n ',
    expect: 400,
  });
  // Huge numbers that JSON.parse turns into Infinity or rounds.
  for (const num of ['1e9999', '-1e9999', '123456789012345678901234567890', '1e-9999', '-0']) {
    add({
      label: `POST /tickets requester_id ${num}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: `{"ticket":{"requester_id":${num},"comment":{"body":"x"}}}`,
    });
    add({
      label: `PUT /tickets/:id assignee_id ${num}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      raw: `{"ticket":{"assignee_id":${num}}}`,
    });
  }
  // Deep nesting: parsed without recursion limits, it must still come back as a 4xx.
  for (const depth of [1000, 100_000]) {
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    add({
      label: `POST /tickets body nested ${depth}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: deep,
    });
    add({
      label: `POST /tickets tags nested ${depth}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: `{"ticket":{"comment":{"body":"x"},"tags":${deep}}}`,
    });
    add({
      label: `PUT /tickets/:id unknown key nested ${depth}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      raw: `{"ticket":{"status":"bogus","junk":${deep}}}`,
    });
    const deepObj = '{"constructor":'.repeat(depth / 10) + '1' + '}'.repeat(depth / 10);
    add({
      label: `POST /tickets nested constructor ${depth / 10}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: `{"ticket":{"priority":"bogus","comment":{"body":"x"},"x":${deepObj}}}`,
    });
  }

  // 6. Content types the JSON routes do not take.
  const validBody = JSON.stringify({ ticket: { comment: { body: 'wrong type' } } });
  for (const type of [
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'image/png',
    'application/octet-stream',
    'text/html',
    'application/vnd.api+json',
    'json',
    '*/*',
    'application/json-patch+json',
  ]) {
    add({
      label: `POST /tickets as ${type}`,
      method: 'POST',
      path: '/api/v2/tickets',
      raw: validBody,
      contentType: type,
    });
    add({
      label: `PUT /tickets/:id as ${type}`,
      method: 'PUT',
      path: `/api/v2/tickets/${seed.ticketId}`,
      raw: JSON.stringify({ ticket: { status: 'open', comment: { body: 'wrong type' } } }),
      contentType: type,
    });
  }
  // text/plain parses to a string: an object envelope is missing.
  add({
    label: 'POST /tickets as text/plain',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: validBody,
    contentType: 'text/plain',
  });
  add({
    label: 'POST /tickets no content-type',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: Buffer.from(validBody),
    contentType: null,
  });
  add({
    label: 'POST /tickets/:id/tags no content-type',
    method: 'POST',
    path: `/api/v2/tickets/${seed.ticketId}/tags`,
    raw: Buffer.from('{"tags":["x"]}'),
    contentType: null,
  });

  // 7. Bodies over the 1 MiB limit.
  const big = (n: number) => JSON.stringify({ ticket: { comment: { body: 'b'.repeat(n) } } });
  add({
    label: 'POST /tickets 1 MiB + 1',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: big(1024 * 1024),
    expect: 413,
  });
  add({
    label: 'PUT /tickets/:id 2 MiB',
    method: 'PUT',
    path: `/api/v2/tickets/${seed.ticketId}`,
    raw: big(2 * 1024 * 1024),
    expect: 413,
  });
  add({
    label: 'POST tags 1.5 MiB',
    method: 'POST',
    path: `/api/v2/tickets/${seed.ticketId}/tags`,
    raw: JSON.stringify({ tags: Array.from({ length: 150_000 }, (_, i) => `tag${i}`) }),
    expect: 413,
  });
  add({
    label: 'POST /tickets text/plain 1.1 MiB',
    method: 'POST',
    path: '/api/v2/tickets',
    raw: 'x'.repeat(1_150_000),
    contentType: 'text/plain',
    expect: 413,
  });

  // 8. Tags endpoint bodies and verbs.
  const badTagBodies: unknown[] = [
    null,
    {},
    [],
    ['a'],
    [1],
    'a b',
    { tags: null },
    { tag: ['a'] },
    ...BAD_TAGS.filter((t) => t !== null).map((tags) => ({ tags })),
  ];
  for (const body of badTagBodies) {
    const method = rng.pick(['POST', 'PUT', 'DELETE']);
    add({
      label: `${method} tags ${JSON.stringify(body)?.slice(0, 40)}`,
      method,
      path: `/api/v2/tickets/${seed.ticketId}/tags`,
      json: body,
    });
  }
  for (const method of ['POST', 'PUT', 'DELETE']) {
    add({
      label: `${method} tags on a missing ticket`,
      method,
      path: `/api/v2/tickets/${seed.missingId}/tags`,
      json: { tags: ['x'] },
      expect: 404,
    });
    add({
      label: `${method} tags as an end user`,
      method,
      path: `/api/v2/tickets/${seed.endUserTicketId}/tags`,
      json: { tags: ['x'] },
      authorization: `Basic ${b64(seed.endUserAuth)}`,
      expect: 403,
    });
    add({
      label: `${method} tags without a body`,
      method,
      path: `/api/v2/tickets/${seed.ticketId}/tags`,
    });
  }

  // 9. Valid bodies aimed at records that do not exist or may not be touched.
  add({
    label: 'PUT a missing ticket',
    method: 'PUT',
    path: `/api/v2/tickets/${seed.missingId}`,
    json: { ticket: { status: 'open', comment: { body: 'x' } } },
    expect: 404,
  });
  add({
    label: 'DELETE a missing ticket',
    method: 'DELETE',
    path: `/api/v2/tickets/${seed.missingId}`,
    expect: 404,
  });
  add({
    label: 'end user updates fields',
    method: 'PUT',
    path: `/api/v2/tickets/${seed.endUserTicketId}`,
    json: { ticket: { priority: 'urgent', comment: { body: 'x' } } },
    authorization: `Basic ${b64(seed.endUserAuth)}`,
    expect: 403,
  });
  add({
    label: "end user updates another's ticket",
    method: 'PUT',
    path: `/api/v2/tickets/${seed.ticketId}`,
    json: { ticket: { comment: { body: 'x' } } },
    authorization: `Basic ${b64(seed.endUserAuth)}`,
    expect: 404,
  });
  add({
    label: 'end user deletes',
    method: 'DELETE',
    path: `/api/v2/tickets/${seed.endUserTicketId}`,
    authorization: `Basic ${b64(seed.endUserAuth)}`,
    expect: 403,
  });
  add({
    label: 'end user reads audits',
    method: 'GET',
    path: `/api/v2/tickets/${seed.endUserTicketId}/audits`,
    authorization: `Basic ${b64(seed.endUserAuth)}`,
    expect: 403,
  });
  add({
    label: 'end user writes as the admin',
    method: 'POST',
    path: '/api/v2/tickets',
    json: { ticket: { comment: { body: 'x', author_id: 1 }, status: 'bogus' } },
    authorization: `Basic ${b64(seed.endUserAuth)}`,
  });

  // 10. Query parameters.
  const listPaths = [
    '/api/v2/tickets',
    `/api/v2/tickets/${seed.ticketId}/comments`,
    `/api/v2/tickets/${seed.ticketId}/audits`,
    `/api/v2/users/1/tickets/requested`,
    `/api/v2/users/1/tickets/assigned`,
    `/api/v2/organizations/1/tickets`,
    '/api/v2/users',
    '/api/v2/groups',
    '/api/v2/organizations',
  ];
  const cursors = [
    '!!!',
    '',
    'bm90IGpzb24',
    b64url('{"a":1}'),
    b64url('[1]'),
    b64url('[1,2,3]'),
    b64url('["x",1.5]'),
    b64url('["x","1"]'),
    b64url('[{"a":1},5]'),
    b64url('[[1,2],5]'),
    b64url('[true,5]'),
    b64url('[null,1e300]'),
    b64url('[null,99999999999]'),
    b64url('["2024-01-01",-99999999999]'),
    b64url('["\\u0000",1]'),
    b64url('null'),
    b64url('"x"'),
    'x'.repeat(5000),
  ];
  const badQueries = [
    'page=-1',
    'page=0',
    'page=abc',
    'page=1.5',
    'page=1e3',
    'page=101&per_page=100',
    'page=99999999999999999999',
    'page=1&page=2',
    'per_page=abc',
    'per_page=0',
    'per_page=-5',
    'per_page=1.5',
    'page[size]=0',
    'page[size]=-3',
    'page[size]=abc',
    'page[size]=1.5',
    'page[size]=1&page[size]=2',
    'page[size]=10&sort=bogus',
    'page[size]=10&sort=-bogus',
    'page[size]=10&sort=__proto__',
    'page[size]=10&sort=constructor',
    'page[size]=10&sort=-hasOwnProperty',
    'page[size]=10&sort=a&sort=b',
    'sort_by=bogus',
    'sort_by=__proto__',
    'sort_by=constructor',
    'sort_by=toString',
    'page[after]=x&page[after]=y',
    ...cursors.map((c) => `page[after]=${c}`),
    ...cursors.map((c) => `page[size]=5&page[before]=${c}`),
    ...cursors.slice(3, 14).map((c) => `page[after]=${c}&sort=created_at`),
    ...cursors.slice(3, 14).map((c) => `page[before]=${c}&sort=-updated_at`),
    ...cursors.slice(3, 14).map((c) => `page[after]=${c}&sort=status`),
  ];
  for (const q of badQueries) {
    add({ label: `GET ?${q.slice(0, 60)}`, method: 'GET', path: `${rng.pick(listPaths)}?${q}` });
  }
  add({
    label: 'GET /tickets external_id with NUL',
    method: 'GET',
    path: '/api/v2/tickets?external_id=%00',
  });
  const badIdLists = [
    'a,b',
    '',
    '1,,2',
    '-1',
    '1.5',
    '1e3',
    ' ',
    '%00',
    Array.from({ length: 101 }, (_, i) => i + 1).join(','),
    '99999999999',
    '99999999999999999999',
    '1;2',
    '1&ids=2',
  ];
  for (const ids of badIdLists) {
    add({
      label: `show_many ids=${ids.slice(0, 20)}`,
      method: 'GET',
      path: `/api/v2/tickets/show_many?ids=${ids}`,
    });
  }
  add({ label: 'show_many without ids', method: 'GET', path: '/api/v2/tickets/show_many.json' });

  // 11. Path ids.
  const badPathIds = [
    'abc',
    '1e9999',
    '-1',
    '1.5',
    '0x10',
    '%20',
    '%201',
    '99999999999',
    '2147483648',
    '123456789012345678901',
    '%00',
    '%E2%98%83',
    '1%2F2',
    '..%2F..',
    '9'.repeat(300),
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '0',
  ];
  const idRoutes = [
    ['GET', '/api/v2/tickets/:id'],
    ['PUT', '/api/v2/tickets/:id'],
    ['DELETE', '/api/v2/tickets/:id'],
    ['GET', '/api/v2/tickets/:id/comments'],
    ['GET', '/api/v2/tickets/:id/audits'],
    ['GET', '/api/v2/tickets/:id/tags'],
    ['POST', '/api/v2/tickets/:id/tags'],
    ['GET', '/api/v2/users/:id/tickets/requested'],
    ['GET', '/api/v2/organizations/:id/tickets'],
    ['GET', '/api/v2/attachments/:id'],
    ['GET', '/api/v2/attachments/:id/content'],
    ['DELETE', '/api/v2/uploads/:id'],
    ['GET', '/api/v2/users/:id'],
    ['PUT', '/api/v2/users/:id'],
    ['GET', '/api/v2/groups/:id'],
    ['GET', '/api/v2/organizations/:id'],
  ] as const;
  for (const bad of badPathIds) {
    const [method, route] = rng.pick(idRoutes);
    const body =
      method === 'PUT' || method === 'POST'
        ? { ticket: { status: 'open' }, tags: ['x'], user: { name: 'x' } }
        : undefined;
    add({
      label: `${method} ${route} id=${bad.slice(0, 20)}`,
      method,
      path: route.replace(':id', bad),
      json: body,
    });
    add({
      label: `GET /tickets/${bad.slice(0, 20)}.json`,
      method: 'GET',
      path: `/api/v2/tickets/${bad}.json`,
      expect: 404,
    });
  }

  // 12. Authorization headers that identify nobody; valid bodies, so a write would show.
  const authTargets: Array<[string, string, unknown]> = [
    ['GET', '/api/v2/tickets', undefined],
    ['POST', '/api/v2/tickets', { ticket: { comment: { body: 'as nobody' } } }],
    [
      'PUT',
      `/api/v2/tickets/${seed.ticketId}`,
      { ticket: { status: 'solved', comment: { body: 'x' } } },
    ],
    ['POST', `/api/v2/tickets/${seed.ticketId}/tags`, { tags: ['hijacked'] }],
    ['GET', `/api/v2/tickets/show_many?ids=${seed.ticketId}`, undefined],
  ];
  const badAuth = [
    'Basic !!!notbase64',
    `Basic ${b64('nocolon')}`,
    `Basic ${b64(`${seed.adminEmail}/token:wrong-token`)}`,
    `Basic ${b64(`${seed.adminEmail}:wrong password`)}`,
    `Basic ${b64(`${seed.adminEmail}/token:`)}`,
    `Basic ${b64(`nobody@example.com/token:${seed.token}`)}`,
    `Basic ${b64(`/token:${seed.token}`)}`,
    `Basic ${b64(':')}`,
    `Basic ${b64(`${seed.endUserAuth.split(':')[0]}/token:${seed.token}`)}`,
    `Basic ${b64(`ü@exämple.com/token:${seed.token}`)}`,
    `Basic ${b64(`a\u0000b@example.com/token:${seed.token}`)}`,
    `Basic ${b64(`${seed.adminEmail}\u0000/token:${seed.token}`)}`,
    `Basic ${b64(`${seed.adminEmail}/token:${seed.token}\u0000`)}`,
    `Basic ${b64(Buffer.from([0xff, 0xfe, 0x3a, 0xc3]))}`,
    `Basic ${b64('💥:💥')}`,
    'Basic',
    'Basic ',
    `Bearer ${seed.token}`,
    'Bearer x',
    `Token ${seed.token}`,
    'Digest username="x"',
    '\u00ff\u00fe',
    `Basic ${b64(`${seed.adminEmail}/token:${seed.token}`).slice(0, -4)}`,
    `Basic ${'A'.repeat(8000)}`,
  ];
  for (const authorization of badAuth) {
    const [method, path, json] = rng.pick(authTargets);
    add({
      label: `${method} ${path} auth ${authorization.slice(0, 30)}`,
      method,
      path,
      json,
      authorization,
      expect: 401,
    });
  }
  add({
    label: 'no credentials',
    method: 'POST',
    path: '/api/v2/tickets',
    json: { ticket: { comment: { body: 'x' } } },
    authorization: null,
    expect: 401,
  });
  for (const cookie of [
    'parley_session=garbage',
    'parley_session=%E0%A4%A',
    'parley_session=',
    'parley_session',
    '=;;;=',
    `parley_session=${'%'.repeat(50)}`,
    'parley_session=%00',
  ]) {
    add({
      label: `cookie ${cookie.slice(0, 30)}`,
      method: 'GET',
      path: '/api/v2/tickets',
      authorization: null,
      headers: { cookie },
      expect: 401,
    });
  }

  // 13. Methods on routes that do not take them, and routes that do not exist.
  const wrongMethods: Array<[string, string]> = [
    ['PATCH', `/api/v2/tickets/${seed.ticketId}`],
    ['DELETE', '/api/v2/tickets'],
    ['PUT', '/api/v2/tickets'],
    ['POST', `/api/v2/tickets/${seed.ticketId}`],
    ['POST', '/api/v2/tickets/show_many'],
    ['POST', `/api/v2/tickets/${seed.ticketId}/comments`],
    ['PUT', `/api/v2/tickets/${seed.ticketId}/comments`],
    ['PATCH', `/api/v2/tickets/${seed.ticketId}/tags`],
    ['GET', '/api/v2/uploads'],
    ['PUT', '/api/v2/uploads'],
    ['OPTIONS', '/api/v2/tickets'],
    ['GET', '/api/v2/nope'],
    ['GET', '/api/v3/tickets'],
    ['GET', `/api/v2/tickets/${seed.ticketId}/a/b/c`],
    ['GET', '/api/v2/tickets.json.json'],
    ['POST', '/api/v2'],
    ['GET', '/api/v2/%'],
    ['GET', '/api/v2/tickets/%E0%A4%A'],
  ];
  for (const [method, path] of wrongMethods) {
    const body =
      method === 'GET' || method === 'OPTIONS' ? undefined : { ticket: { comment: { body: 'x' } } };
    add({ label: `${method} ${path}`, method, path, json: body });
  }

  // 14. Uploads.
  const file = Buffer.from('file bytes');
  const uploads: Array<[string, Buffer | string, string?]> = [
    ['/api/v2/uploads', file],
    ['/api/v2/uploads.json', file],
    ['/api/v2/uploads?filename=', file],
    ['/api/v2/uploads?filename=a/b.txt', file],
    ['/api/v2/uploads?filename=..%2F..%2Fetc%2Fpasswd', file],
    ['/api/v2/uploads?filename=a%5Cb.txt', file],
    ['/api/v2/uploads?filename=%00.txt', file],
    ['/api/v2/uploads?filename=a%0Ab.txt', file],
    [`/api/v2/uploads?filename=${'x'.repeat(256)}`, file],
    ['/api/v2/uploads?filename=a.txt&filename=b.txt', file],
    ['/api/v2/uploads?filename=ok.txt', Buffer.alloc(0)],
    ['/api/v2/uploads?filename=%E2%98%83.txt', Buffer.alloc(0)],
    ['/api/v2/uploads?filename=ok.txt&token=no-such-token', file],
    ['/api/v2/uploads?filename=ok.txt&token=', file],
    [`/api/v2/uploads?filename=ok.txt&token=${'t'.repeat(201)}`, file],
    ['/api/v2/uploads?filename=ok.txt&token=%00', file],
    ['/api/v2/uploads?filename=ok.txt&token=a&token=b', file],
  ];
  for (const [path, raw] of uploads) {
    add({
      label: `POST ${path.slice(0, 60)}`,
      method: 'POST',
      path,
      raw,
      contentType: rng.pick(['application/binary', 'image/png', 'text/plain', null]),
    });
  }
  add({
    label: 'upload without credentials',
    method: 'POST',
    path: '/api/v2/uploads?filename=a.txt',
    raw: file,
    contentType: 'application/binary',
    authorization: null,
    expect: 401,
  });
  add({
    label: 'DELETE a missing upload',
    method: 'DELETE',
    path: '/api/v2/uploads/no-such-token',
    expect: 404,
  });
  add({ label: 'DELETE an upload token with NUL', method: 'DELETE', path: '/api/v2/uploads/%00' });

  // 15. People routes (others are writing them): invalid bodies only, so any answer but 4xx is a bug.
  for (const [resource, key] of [
    ['users', 'user'],
    ['groups', 'group'],
    ['organizations', 'organization'],
  ] as const) {
    const bodies: unknown[] = [
      null,
      [],
      'x',
      {},
      { [key]: null },
      { [key]: [] },
      { [key]: 'x' },
      { [key]: { name: 123 } },
      { [key]: { name: '' } },
      { [key]: { name: 'x'.repeat(300) } },
      { [`${key}s`]: [{ name: 'n' }] },
    ];
    if (key === 'user')
      bodies.push(
        { user: { name: 'x', email: 'not-an-email' } },
        { user: { name: 'x', role: 'superuser' } },
        { user: { name: 'x', organization_id: -1 } },
      );
    for (const body of bodies) {
      add({
        label: `POST /${resource} ${JSON.stringify(body)?.slice(0, 40)}`,
        method: 'POST',
        path: `/api/v2/${resource}`,
        json: body,
      });
    }
    add({
      label: `POST /${resource} not JSON`,
      method: 'POST',
      path: `/api/v2/${resource}`,
      raw: '{"oops',
      expect: 400,
    });
    add({
      label: `PUT /${resource}/missing`,
      method: 'PUT',
      path: `/api/v2/${resource}/${seed.missingId}`,
      json: { [key]: { name: 'x' } },
      expect: 404,
    });
    add({
      label: `GET /${resource}/show_many bad ids`,
      method: 'GET',
      path: `/api/v2/${resource}/show_many?ids=a,b`,
    });
  }

  // People lists and lookups with parameters no record can match.
  for (const path of [
    '/api/v2/users?permission_set=abc',
    '/api/v2/users?role=bogus',
    '/api/v2/users?role[]=bogus',
    '/api/v2/users?external_id=%00',
    '/api/v2/users/search',
    '/api/v2/users/search?query=%00',
    '/api/v2/users/search?external_id=%00',
    '/api/v2/users/autocomplete?name=a',
    '/api/v2/users/autocomplete?name=%00%00',
    '/api/v2/users/show_many?external_ids=',
    '/api/v2/users/show_many?external_ids=%00',
    '/api/v2/users/show_many?ids=99999999999',
    '/api/v2/organizations/show_many?ids=99999999999',
    '/api/v2/organizations/search?external_id=%00',
    '/api/v2/organizations/search',
    '/api/v2/organizations/autocomplete?name=%00',
    `/api/v2/users/${seed.missingId}/identities`,
    `/api/v2/groups/${seed.missingId}/users`,
    `/api/v2/groups/${seed.missingId}/memberships`,
    `/api/v2/users/${seed.missingId}/group_memberships`,
    '/api/v2/group_memberships/99999999999',
  ]) {
    add({ label: `GET ${path}`, method: 'GET', path });
  }
  for (const [path, body] of [
    ['/api/v2/group_memberships', { group_membership: { user_id: -1, group_id: 'x' } }],
    [
      '/api/v2/group_memberships',
      { group_membership: { user_id: 99_999_999, group_id: 99_999_999 } },
    ],
    ['/api/v2/users/1/identities', { identity: { type: 'fax', value: '1' } }],
    ['/api/v2/users/1/identities', { identity: { type: 'email', value: 'a\u0000@x.com' } }],
    ['/api/v2/users/create_or_update', { user: { email: 'not-an-email' } }],
    ['/api/v2/organizations/create_or_update', { organization: { name: 5 } }],
  ] as const) {
    add({
      label: `POST ${path} ${JSON.stringify(body).slice(0, 40)}`,
      method: 'POST',
      path,
      json: body,
    });
  }
  add({
    label: 'PUT /users/:id/merge bad target',
    method: 'PUT',
    path: `/api/v2/users/${seed.missingId}/merge`,
    json: { user: { id: 'x' } },
  });

  // Shuffle (deterministically) so that no category only ever follows its neighbours.
  for (let i = probes.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [probes[i], probes[j]] = [probes[j]!, probes[i]!]; // 0 <= j <= i < probes.length
  }
  return probes;
}

async function send(desk: TestDesk, p: Probe) {
  const headers: Record<string, string> = { accept: 'application/json', ...(p.headers ?? {}) };
  if (p.authorization === undefined) headers.authorization = `Basic ${b64(desk.auth)}`;
  else if (p.authorization !== null) headers.authorization = p.authorization;
  let body: string | Buffer | undefined;
  if (p.raw !== undefined) body = p.raw;
  else if (p.json !== undefined) body = JSON.stringify(p.json);
  if (body !== undefined && p.contentType !== null) {
    headers['content-type'] = p.contentType ?? 'application/json';
  }
  const res = await fetch(`${desk.url}${p.path}`, { method: p.method, headers, body });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text: await res.text(),
  };
}

type Db = TestDesk['parley']['db'];

async function counts(db: Db) {
  const count = async (table: 'tickets' | 'comments' | 'audits' | 'audit_events' | 'users') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const attached = await db
    .selectFrom('attachments')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('comment_id', 'is not', null)
    .executeTakeFirstOrThrow();
  const all = await db
    .selectFrom('attachments')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const tags = await db
    .selectFrom('ticket_tags')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return {
    tickets: await count('tickets'),
    comments: await count('comments'),
    audits: await count('audits'),
    audit_events: await count('audit_events'),
    users: await count('users'),
    attachments_with_comment: Number(attached.n),
    attachments: Number(all.n),
    ticket_tags: Number(tags.n),
  };
}

/** Every ticket has an audit, and its first comment belongs to its first (Create) audit. */
async function ticketsAreWhole(db: Db) {
  const tickets = await db
    .selectFrom('tickets')
    .select(['id', 'tags', 'updated_at', 'status'])
    .orderBy('id')
    .execute();
  const audits = await db
    .selectFrom('audits')
    .select(['ticket_id', (eb) => eb.fn.min('id').as('first')])
    .groupBy('ticket_id')
    .execute();
  const comments = await db
    .selectFrom('comments')
    .select([
      'ticket_id',
      (eb) => eb.fn.min('audit_id').as('first_audit'),
      (eb) => eb.fn.countAll().as('n'),
    ])
    .groupBy('ticket_id')
    .execute();
  const firstAudit = new Map(audits.map((a) => [a.ticket_id, Number(a.first)]));
  const firstComment = new Map(comments.map((c) => [c.ticket_id, Number(c.first_audit)]));
  for (const t of tickets) {
    assert.ok(firstAudit.has(t.id), `ticket ${t.id} has no audit`);
    assert.ok(firstComment.has(t.id), `ticket ${t.id} has no comment`);
    assert.equal(
      firstComment.get(t.id),
      firstAudit.get(t.id),
      `ticket ${t.id}: first comment is not in its first audit`,
    );
  }
  return tickets;
}

forEachDatabase('malformed requests', (ctx) => {
  let seed: Seed;

  before(async () => {
    const { api } = ctx.desk;
    // An attachment bound to a comment, so a half-written comment would show in its count too.
    const up = await api('POST', '/api/v2/uploads?filename=seed.txt', undefined, {
      raw: 'seed file',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const created = await api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'Seed',
        tags: ['seed'],
        comment: { body: 'seed', uploads: [up.body.upload.token] },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const endUser = await ctx.desk.createEndUser('Mallory Malformed');
    const agent = await ctx.desk.createAgent('Alice Agent');
    const theirs = await api('POST', '/api/v2/tickets', {
      ticket: { requester_id: endUser.id, comment: { body: 'end user ticket' } },
    });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    seed = {
      ticketId: created.body.ticket.id,
      missingId: theirs.body.ticket.id + 1000,
      endUserAuth: endUser.auth,
      endUserTicketId: theirs.body.ticket.id,
      agentAuth: agent.auth,
      adminEmail: ctx.desk.adminEmail,
      token: ctx.desk.token,
    };
  });

  it('refuses every malformed request with a 4xx Zendesk envelope and writes nothing', async () => {
    const { desk } = ctx;
    const db = desk.parley.db;
    const beforeCounts = await counts(db);
    const ticketsBefore = await ticketsAreWhole(db);
    assert.ok(beforeCounts.attachments_with_comment >= 1);

    const probes = generate(prng(0x5eed), seed);
    assert.ok(probes.length >= 400, `only ${probes.length} probes`);
    const failures: string[] = [];
    for (const p of probes) {
      const res = await send(desk, p);
      let body: any = null;
      try {
        body = JSON.parse(res.text);
      } catch {
        /* reported below */
      }
      const problems: string[] = [];
      if (res.status < 400 || res.status >= 500) problems.push(`status ${res.status}`);
      if (p.expect !== undefined && res.status !== p.expect)
        problems.push(`expected ${p.expect}, got ${res.status}`);
      if (!res.type.includes('application/json')) problems.push(`content-type "${res.type}"`);
      if (!body || typeof body.error !== 'string' || body.error === '')
        problems.push('no string error field');
      if (problems.length)
        failures.push(`${p.label}: ${problems.join(', ')} — ${res.text.slice(0, 200)}`);
      // The server must still answer a valid request after each one.
      const ok = await desk.api('GET', `/api/v2/tickets/${seed.ticketId}.json`);
      if (ok.status !== 200 || ok.body.ticket?.id !== seed.ticketId) {
        failures.push(`${p.label}: the next valid request got ${ok.status}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${probes.length} probes misbehaved`);

    assert.deepEqual(await counts(db), beforeCounts);
    const ticketsAfter = await ticketsAreWhole(db);
    // Not one field of any ticket moved either.
    assert.deepEqual(ticketsAfter, ticketsBefore);
    const tags = await desk.api('GET', `/api/v2/tickets/${seed.ticketId}/tags`);
    assert.deepEqual(tags.body.tags, ['seed']);
  });

  it('still accepts valid writes after the barrage', async () => {
    const res = await ctx.desk.api('PUT', `/api/v2/tickets/${seed.ticketId}`, {
      ticket: { status: 'open', comment: { body: 'still alive' } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.ticket.status, 'open');
  });
});
