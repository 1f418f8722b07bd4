import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddressRefused,
  blockedAddressReason,
  parseEndpoint,
  type Resolver,
  resolveEndpoint,
} from '../../src/rules/webhook-address.ts';

// The webhooks' SSRF guard: which addresses are refused, how numeric spellings of IPv4 are
// seen through, and that every resolved address counts (DNS rebinding, mixed answers).

const guard = { allowPrivate: false };

async function refused(endpoint: string, resolver?: Resolver): Promise<string> {
  const url = parseEndpoint(endpoint);
  await assert.rejects(resolveEndpoint(url, { ...guard, resolver }), AddressRefused, endpoint);
  try {
    await resolveEndpoint(url, { ...guard, resolver });
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('webhook address guard', () => {
  it('refuses every private, loopback, link-local and special IPv4 range', () => {
    for (const ip of [
      '0.0.0.0',
      '0.1.2.3',
      '10.0.0.1',
      '10.255.255.255',
      '100.64.0.1',
      '100.127.255.254',
      '127.0.0.1',
      '127.8.9.10',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '224.0.0.1',
      '239.255.255.250',
      '255.255.255.255',
    ]) {
      assert.ok(blockedAddressReason(ip), `${ip} must be refused`);
    }
  });

  it('lets public IPv4 addresses through, including the neighbours of blocked ranges', () => {
    for (const ip of [
      '8.8.8.8',
      '1.1.1.1',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '169.253.255.255',
      '192.167.255.255',
      '223.255.255.255',
    ]) {
      assert.equal(blockedAddressReason(ip), null, `${ip} is public`);
    }
  });

  it('refuses IPv6 loopback, unspecified, unique local, link-local and multicast', () => {
    for (const ip of ['::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'febf::1', 'ff02::1']) {
      assert.ok(blockedAddressReason(ip), `${ip} must be refused`);
    }
    for (const ip of ['2001:4860:4860::8888', '2606:4700::1111', 'fec0::1']) {
      assert.equal(blockedAddressReason(ip), null, `${ip} is public`);
    }
  });

  it('sees through IPv4-mapped, compatible, NAT64 and 6to4 IPv6 addresses', () => {
    for (const ip of [
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.1.2.3',
      '::ffff:a9fe:a9fe',
      '::127.0.0.1',
      '64:ff9b::192.168.0.1',
      '2002:7f00:1::',
    ]) {
      assert.ok(blockedAddressReason(ip), `${ip} must be refused`);
    }
    assert.equal(blockedAddressReason('::ffff:8.8.8.8'), null);
    assert.equal(blockedAddressReason('64:ff9b::808:808'), null);
  });

  it('refuses numeric spellings of loopback and metadata addresses in URLs', async () => {
    for (const endpoint of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0x7f000001/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://0/',
      'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/latest/meta-data',
      'http://169.254.169.254/latest/meta-data',
      'https://0xa9.0xfe.0xa9.0xfe/',
    ]) {
      const message = await refused(endpoint);
      assert.match(message, /may not call/, endpoint);
    }
  });

  it('accepts only absolute http(s) URLs without credentials', () => {
    for (const bad of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'gopher://example.com/',
      'example.com/hook',
      'http://user:pass@example.com/',
      '',
    ]) {
      assert.throws(() => parseEndpoint(bad), AddressRefused, bad);
    }
    assert.equal(parseEndpoint('https://example.com/hook').hostname, 'example.com');
  });

  it('checks every address a name resolves to, and answers the first', async () => {
    const publicOnly: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];
    const got = await resolveEndpoint(parseEndpoint('https://hooks.example/x'), {
      ...guard,
      resolver: publicOnly,
    });
    assert.deepEqual(got, { address: '93.184.216.34', family: 4 });

    const mixed: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    assert.match(await refused('https://hooks.example/x', mixed), /10\.0\.0\.5/);
    const v6private: Resolver = async () => [{ address: 'fd00::5', family: 6 }];
    assert.match(await refused('https://hooks.example/x', v6private), /fd00::5/);
  });

  it('refuses a rebinding name: public when saved, private when sent', async () => {
    let calls = 0;
    const rebinding: Resolver = async () =>
      ++calls === 1
        ? [{ address: '93.184.216.34', family: 4 }]
        : [{ address: '127.0.0.1', family: 4 }];
    const url = parseEndpoint('https://rebind.example/hook');
    const atSave = await resolveEndpoint(url, { ...guard, resolver: rebinding });
    assert.equal(atSave.address, '93.184.216.34');
    await assert.rejects(
      resolveEndpoint(url, { ...guard, resolver: rebinding }),
      /127\.0\.0\.1, a loopback address/,
    );
  });

  it('refuses a name that does not resolve', async () => {
    const failing: Resolver = async () => {
      throw new Error('ENOTFOUND');
    };
    assert.match(await refused('https://nowhere.example/', failing), /could not be resolved/);
    assert.match(await refused('https://empty.example/', async () => []), /has no address/);
  });

  it('allows private and loopback addresses when PARLEY_WEBHOOK_ALLOW_PRIVATE is on', async () => {
    const got = await resolveEndpoint(parseEndpoint('http://127.0.0.1:9/'), {
      allowPrivate: true,
    });
    assert.deepEqual(got, { address: '127.0.0.1', family: 4 });
  });
});
