/**
 * Request logs never hold the secrets that travel in URLs: install-link MACs, OAuth codes and
 * states, tokens. Parley runs with a logger whose lines are captured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { redactUrl } from '../../src/log.ts';
import { type Parley, startParley } from '../../src/server.ts';
import { freePort } from '../helpers/postgres.ts';

describe('redactUrl', () => {
  it('blanks secret query values and keeps everything else', () => {
    assert.equal(
      redactUrl('/slack/oauth_redirect?code=abc.def&state=xyz&x=1'),
      '/slack/oauth_redirect?code=[redacted]&state=[redacted]&x=1',
    );
    assert.equal(redactUrl('/slack/install/3?k=MAC'), '/slack/install/3?k=[redacted]');
    assert.equal(
      redactUrl('/a?TOKEN=t&Access_Token=u'),
      '/a?TOKEN=[redacted]&Access_Token=[redacted]',
    );
    assert.equal(redactUrl('/a?%74oken=t'), '/a?%74oken=[redacted]');
    assert.equal(redactUrl('/healthz'), '/healthz');
    assert.equal(redactUrl('/a?page=2&sort_by=id'), '/a?page=2&sort_by=id');
  });
});

describe('request log lines', () => {
  const lines: string[] = [];
  let parley: Parley;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-log-'));
    const port = await freePort();
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PARLEY_LOG_LEVEL: 'info',
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    // A logger of the test's own making: redaction must not depend on createLogger.
    parley = await startParley(config, { logger: pino({ level: 'info' }, sink) });
  });

  after(async () => {
    await parley.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('show k, code, state and token as redacted', async () => {
    const secrets = ['MACSECRET123', 'CODESECRET456', 'STATESECRET789', 'TOKENSECRET000'];
    await fetch(`${parley.url}/slack/install/1?k=${secrets[0]}`);
    await fetch(`${parley.url}/slack/oauth_redirect?code=${secrets[1]}&state=${secrets[2]}`);
    await fetch(`${parley.url}/api/v2/tickets?token=${secrets[3]}`);
    const urls = lines
      .map((l) => JSON.parse(l) as { req?: { url?: string } })
      .map((l) => l.req?.url)
      .filter((u): u is string => typeof u === 'string');
    assert.ok(urls.includes('/slack/install/1?k=[redacted]'), urls.join('\n'));
    assert.ok(urls.includes('/slack/oauth_redirect?code=[redacted]&state=[redacted]'));
    assert.ok(urls.includes('/api/v2/tickets?token=[redacted]'));
    for (const secret of secrets) {
      assert.ok(!lines.some((l) => l.includes(secret)), `${secret} appears in the log`);
    }
  });
});
