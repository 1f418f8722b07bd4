/**
 * downloadFile against a real HTTP server standing in for Slack's file host: each way Slack
 * can refuse a file is told apart from a failure that waiting may fix. Then what the note and
 * the DM say about each.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { downloadFile, FileFetchError, type FileProblem } from '../../src/channels/slack/files.ts';
import {
  fetchFailure,
  refusalNote,
  refusalNotice,
} from '../../src/channels/slack/refused-files.ts';

describe('Slack file downloads tell permanent failures from transient ones', () => {
  let server: Server;
  let host: string;
  let flaky = 0;

  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      if (req.headers.authorization !== 'Bearer xoxb-test') {
        // Slack's answer to a token that cannot read the file: its sign-in page, status 200.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>Sign in to Slack</body></html>');
        return;
      }
      if (path === '/ok') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('hello');
      } else if (path === '/deleted') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('File not found');
      } else if (path === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(2048));
      } else if (path === '/big-chunked') {
        // No content-length: the limit must hold while reading.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1000));
        res.write(Buffer.alloc(1000));
        res.end(Buffer.alloc(1000));
      } else if (path === '/elsewhere') {
        res.writeHead(302, { location: 'https://evil.example/steal' });
        res.end();
      } else if (path === '/forbidden') {
        res.writeHead(403);
        res.end();
      } else if (path === '/flaky') {
        res.writeHead(flaky++ === 0 ? 503 : 429);
        res.end();
      } else if (path === '/hang') {
        // Never answers: the download's timeout ends it.
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, token = 'xoxb-test', opts: { timeoutMs?: number } = {}) =>
    downloadFile(`http://${host}${path}`, token, {
      allowedHosts: [host],
      maxBytes: 1024,
      ...opts,
    });

  async function problemOf(p: Promise<unknown>): Promise<FileProblem> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof FileFetchError, String(err));
      return err.problem;
    }
    assert.fail('the download should have failed');
  }

  it('downloads a file the token may read', async () => {
    assert.equal((await get('/ok')).toString(), 'hello');
  });

  it('calls a deleted file, a big one, a foreign host or a sign-in page final', async () => {
    assert.equal(await problemOf(get('/deleted')), 'deleted');
    assert.equal(await problemOf(get('/big')), 'too_large');
    assert.equal(await problemOf(get('/big-chunked')), 'too_large');
    assert.equal(await problemOf(get('/elsewhere')), 'forbidden_host');
    assert.equal(
      await problemOf(
        downloadFile('https://files.example.org/x', 'xoxb-test', {
          allowedHosts: [host],
          maxBytes: 1024,
        }),
      ),
      'forbidden_host',
    );
    assert.equal(await problemOf(get('/ok', 'xoxb-revoked')), 'refused');
    assert.equal(await problemOf(get('/forbidden')), 'refused');
    for (const p of ['/deleted', '/big', '/forbidden']) {
      const err = await get(p).catch((e: unknown) => e);
      assert.equal((err as FileFetchError).transient, false, p);
    }
  });

  it('calls outages, rate limits, timeouts and unreachable hosts transient', async () => {
    assert.equal(await problemOf(get('/flaky')), 'unavailable');
    assert.equal(await problemOf(get('/flaky')), 'unavailable');
    assert.equal(await problemOf(get('/error')), 'unavailable');
    assert.equal(await problemOf(get('/hang', 'xoxb-test', { timeoutMs: 200 })), 'unavailable');
    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    assert.equal(
      await problemOf(
        downloadFile(`http://${dead}/x`, 'xoxb-test', { allowedHosts: [dead], maxBytes: 1024 }),
      ),
      'unavailable',
    );
  });
});

describe('what agents and the person are told about files that did not make it', () => {
  const limit = 20 * 1024 * 1024;
  const deleted = fetchFailure('error.png', new FileFetchError('deleted', 'HTTP 404'), {
    uploadLimit: limit,
  });
  const large = fetchFailure('dump.zip', new FileFetchError('too_large', 'too big'), {
    uploadLimit: limit,
  });
  const refused = fetchFailure('x.pdf', new FileFetchError('refused', 'sign-in page'), {
    uploadLimit: limit,
  });
  const late = fetchFailure('y.pdf', new FileFetchError('unavailable', 'HTTP 503'), {
    uploadLimit: limit,
    gaveUpAfterMs: 120_000,
  });

  it('names every file and its reason in the note', () => {
    const note = refusalNote('Alice', [
      { name: 'tool.exe', reason: '.exe files are not accepted', problem: 'policy' },
      deleted,
      large,
      refused,
      late,
    ]);
    assert.match(note, /were not accepted:\n\n- tool\.exe: \.exe files are not accepted/);
    assert.match(note, /could not be fetched from Slack/);
    assert.match(note, /- error\.png: deleted in Slack before the help desk could fetch it/);
    assert.match(note, /- dump\.zip: larger than the upload limit of 20 MB/);
    assert.match(note, /- x\.pdf: sign-in page/);
    assert.match(note, /- y\.pdf: Slack did not hand it over within 120 s \(HTTP 503\)/);
  });

  it('tells the person only what they can fix', () => {
    const opts = { acceptedTypes: ['pdf', 'png'], uploadLimit: limit };
    assert.match(refusalNotice([deleted], opts)!, /error\.png did not: .*send it again/);
    assert.match(refusalNotice([large], opts)!, /dump\.zip did not: files can be at most 20 MB/);
    assert.equal(refusalNotice([refused, late], opts), null);
    assert.match(
      refusalNotice([{ name: 'a.exe', reason: 'no', problem: 'policy' }], opts)!,
      /Accepted file types: pdf, png\./,
    );
  });
});
