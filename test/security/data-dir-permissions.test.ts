/**
 * A fresh data directory is created owner-only (0700) and everything Parley writes in it is
 * 0600 (folders 0700): the database and its WAL, the secret key, attachment blobs, the Slack
 * sandbox's state and files. The process runs with umask 0 here, so nothing is narrowed by
 * the umask: the modes must come from Parley itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DB_KINDS, startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { ALICE, sandboxOf, settle, waitFor } from '../slack/helpers.ts';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** Every folder and file under `dir`, with its mode. */
function modesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    out.set(entry, mode(path.join(dir, entry)));
  }
  return out;
}

for (const kind of DB_KINDS) {
  describe(`data directory permissions [${kind}]`, () => {
    let desk: TestDesk & { stop(): Promise<void> };
    let parent: string;
    let dataDir: string;
    let umask: number;

    before(async () => {
      umask = process.umask(0);
      parent = mkdtempSync(path.join(os.tmpdir(), 'parley-perms-'));
      // Two levels that do not exist yet: Parley creates both.
      dataDir = path.join(parent, 'srv', 'data');
      desk = await startTestDesk(kind, {
        env: {
          PARLEY_DATA_DIR: dataDir,
          PARLEY_BLOB_STORE: 'fs',
          ...(kind === 'sqlite'
            ? { DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}` }
            : {}),
        },
      });
    });

    after(async () => {
      await desk.stop();
      process.umask(umask);
      rmSync(parent, { recursive: true, force: true });
    });

    it('creates the data directory, and the folders above it that it made, 0700', () => {
      assert.equal(mode(path.join(parent, 'srv')), '700');
      assert.equal(mode(dataDir), '700');
    });

    it('keeps every file it writes 0600 and every folder 0700', async () => {
      const upload = await desk.api('POST', '/api/v2/uploads?filename=notes.txt', undefined, {
        raw: Buffer.from('private notes'),
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(upload.status, 201);
      const sb = sandboxOf(desk);
      await sb.sendMessage({
        user: ALICE,
        text: 'screenshot attached',
        files: [
          {
            name: 'screen.png',
            mimetype: 'image/png',
            content_base64: Buffer.from('\x89PNG\r\n\x1a\nnot really').toString('base64'),
          },
        ],
      });
      await settle(desk);
      await waitFor('the sandbox state and its files on disk', async () => {
        const names = [...modesUnder(dataDir).keys()];
        return (
          names.includes('sandbox.json') && names.some((n) => n.startsWith('sandbox.json.files/'))
        );
      });

      const modes = modesUnder(dataDir);
      const expected = ['secret.key', 'sandbox.json', 'files'];
      if (kind === 'sqlite') expected.push('parley.db', 'parley.db-wal', 'parley.db-shm');
      for (const name of expected) assert.ok(modes.has(name), `${name} exists`);
      assert.ok(
        [...modes.keys()].some(
          (n) => n.startsWith(`files${path.sep}`) && n.split(path.sep).length === 3,
        ),
        'a blob under files/',
      );
      for (const [name, m] of modes) {
        const isDir = statSync(path.join(dataDir, name)).isDirectory();
        assert.equal(m, isDir ? '700' : '600', `${name} is ${m}`);
      }
    });
  });
}
