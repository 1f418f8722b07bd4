import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey, throttleKeys } from '../../src/desk/sign-in-throttle.ts';

describe('sign-in throttle keys', () => {
  it('counts IPv4 as is, IPv4-mapped IPv6 as its IPv4, and IPv6 by its /64', () => {
    assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
    assert.equal(addressKey('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  });

  it('names an account by a hash of its normalized email, never the email', () => {
    const keys = throttleKeys(' Ada@Example.com ', '203.0.113.9');
    assert.deepEqual(keys, throttleKeys('ada@example.com', '203.0.113.9'));
    assert.match(keys.account, /^account:[0-9a-f]{64}$/);
    assert.equal(keys.address, 'ip:203.0.113.9');
  });
});
