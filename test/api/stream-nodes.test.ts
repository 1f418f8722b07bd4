import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { type Parley, startParley } from '../../src/server.ts';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { freePort } from '../helpers/postgres.ts';
import { openSse, type SseClient } from '../helpers/sse-client.ts';

/**
 * Two Parley instances on one PostgreSQL: a write through node A reaches a stream opened on
 * node B (B hears of A's row through LISTEN/NOTIFY and reads it), and so does presence.
 */
describe('realtime stream across nodes [postgres]', () => {
  let a: TestDesk & { stop(): Promise<void> };
  let b: Parley;
  let dataDir: string;
  const open: SseClient[] = [];

  before(async () => {
    a = await startTestDesk('postgres');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-stream-b-'));
    const port = await freePort();
    const database = a.parley.config.database;
    assert.equal(database.kind, 'postgres');
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.kind === 'postgres' ? database.url : '',
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PARLEY_SLACK_SANDBOX: 'off',
      PARLEY_LOG_LEVEL: 'silent',
    });
    b = await startParley(config, { logger: createLogger('silent', { pretty: false }) });
  });

  after(async () => {
    for (const c of open) c.close();
    await b?.close();
    await a?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("delivers node A's ticket write and presence to a stream on node B", async () => {
    const agent = await a.createAgent('Giulia Agent');
    const endUser = await a.createEndUser('Erin Enduser');
    const password = `${agent.email}:correct horse`;
    const onB = await openSse(`${b.url}/api/v2/stream`, { auth: password });
    open.push(onB);
    assert.equal(onB.status, 200);
    const res = await a.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Across', requester_id: endUser.id, comment: { body: 'Hi' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.ticket.id as number;
    const created = await onB.next((e) => e.event === 'ticket.created' && e.data.ticket_id === id);
    assert.ok(created.id! > 0);
    const posted = await a.api(
      'POST',
      `/api/v2/tickets/${id}/presence`,
      { presence: { state: 'viewing' } },
      { auth: agent.auth },
    );
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    const seen = await onB.next((e) => e.event === 'presence' && e.data.ticket_id === id);
    assert.equal(seen.data.user.id, agent.id);
    assert.deepEqual(
      b.stream.presentOn(id).map((p) => p.user.id),
      [agent.id],
    );
  });
});
