import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('PARLEY_TRUST_PROXY and PARLEY_SESSION_IDLE_MINUTES', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (env: Record<string, string>) => loadConfig({ PARLEY_DATA_DIR: dir, ...env });

  it('trusts no proxy and ends sessions after 8 idle hours by default', () => {
    const config = load({});
    assert.equal(config.trustProxy, false);
    assert.equal(config.sessionIdleMinutes, 480);
  });

  it('takes off, on, or a list of addresses, CIDR ranges and range names', () => {
    assert.equal(load({ PARLEY_TRUST_PROXY: 'off' }).trustProxy, false);
    assert.equal(load({ PARLEY_TRUST_PROXY: 'ON' }).trustProxy, true);
    assert.deepEqual(
      load({ PARLEY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).trustProxy,
      ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback'],
    );
  });

  it('refuses anything else, naming the variable', () => {
    for (const value of ['yes', '2', '10.0.0.0/33', '10.0.0', 'example.com', '::1/129', ',']) {
      assert.throws(
        () => load({ PARLEY_TRUST_PROXY: value }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.problems.some((p) => p.startsWith('PARLEY_TRUST_PROXY')),
        value,
      );
    }
    for (const value of ['0', '4', 'abc', '30000']) {
      assert.throws(() => load({ PARLEY_SESSION_IDLE_MINUTES: value }), ConfigError, value);
    }
    assert.equal(load({ PARLEY_SESSION_IDLE_MINUTES: '30' }).sessionIdleMinutes, 30);
  });
});
