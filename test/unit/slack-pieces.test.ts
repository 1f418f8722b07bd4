import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, parseEnvelope } from '../../src/channels/slack/classify.ts';
import { checkFile, fileType } from '../../src/channels/slack/files.ts';
import { normalizeFileTypes } from '../../src/channels/slack/connections.ts';
import {
  SlackSignatureError,
  signSlackRequest,
  verifySlackSignature,
} from '../../src/channels/slack/verify.ts';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { ValidationError } from '../../src/desk/errors.ts';

describe('Slack request signatures', () => {
  const body = '{"type":"event_callback"}';
  const now = 1_700_000_000;
  it('accepts a v0 signature by any of the apps and says which', () => {
    const sig = signSlackRequest('second', now, body);
    assert.equal(
      verifySlackSignature({
        secrets: ['first', 'second'],
        rawBody: body,
        timestamp: String(now),
        signature: sig,
        nowSeconds: now,
      }),
      1,
    );
  });
  it('refuses a changed body, a wrong secret, missing headers and stale or future timestamps', () => {
    const sig = signSlackRequest('s', now, body);
    const bad = [
      { rawBody: body + ' ', timestamp: String(now), signature: sig, nowSeconds: now },
      {
        rawBody: body,
        timestamp: String(now),
        signature: signSlackRequest('other', now, body),
        nowSeconds: now,
      },
      { rawBody: body, timestamp: undefined, signature: sig, nowSeconds: now },
      { rawBody: body, timestamp: String(now), signature: undefined, nowSeconds: now },
      { rawBody: body, timestamp: String(now), signature: 'v1=abc', nowSeconds: now },
      { rawBody: body, timestamp: String(now), signature: sig, nowSeconds: now + 301 },
      { rawBody: body, timestamp: String(now), signature: sig, nowSeconds: now - 301 },
    ];
    for (const args of bad) {
      assert.throws(() => verifySlackSignature({ secrets: ['s'], ...args }), SlackSignatureError);
    }
  });
});

describe('file allowlist with content sniffing', () => {
  const allowed = ['pdf', 'png', 'jpeg', 'gif', 'txt'];
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
  it('needs the extension and the content to agree', () => {
    assert.equal(checkFile('a.png', png, allowed).ok, true);
    assert.equal(checkFile('a.PNG', png, allowed).ok, true);
    assert.equal(checkFile('a.pdf', png, allowed).ok, false);
    assert.equal(checkFile('a.exe', Buffer.from('MZ'), allowed).ok, false);
    assert.equal(checkFile('noext', png, allowed).ok, false);
    assert.equal(checkFile('photo.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), allowed).ok, true);
    assert.equal(checkFile('doc.pdf', Buffer.from('%PDF-1.7\n'), allowed).ok, true);
    assert.equal(checkFile('notes.txt', Buffer.from('héllo\nworld\n'), allowed).ok, true);
    assert.equal(checkFile('notes.txt', Buffer.from([0x00, 0x01, 0x02]), allowed).ok, false);
  });
  it('lets admins add types, still refusing programs disguised as them', () => {
    const more = [...allowed, 'docx', 'bin'];
    assert.equal(checkFile('x.docx', Buffer.from([0x50, 0x4b, 0x03, 0x04]), more).ok, true);
    assert.equal(checkFile('x.docx', Buffer.from('plain'), more).ok, false);
    assert.equal(checkFile('x.bin', Buffer.from([1, 2, 3]), more).ok, true);
    assert.equal(checkFile('x.bin', Buffer.from('\x7fELF'), more).ok, false);
  });
  it('normalizes configured types and refuses non-extensions', () => {
    assert.deepEqual(normalizeFileTypes(['.PDF', 'jpg', 'jpeg']), ['pdf', 'jpeg']);
    assert.throws(() => normalizeFileTypes(['../x']), ValidationError);
    assert.equal(fileType('archive.tar.gz'), 'gz');
  });
});

describe('event classification', () => {
  const us = { identityUserId: 'U0BOT', botId: 'B0BOT' };
  const env = (event: Record<string, unknown>) =>
    parseEnvelope({ type: 'event_callback', event_id: 'Ev1', team_id: 'T1', event })!;
  const msg = {
    type: 'message',
    channel: 'D1',
    channel_type: 'im',
    user: 'U1',
    text: 'hi',
    ts: '1.1',
  };
  it('keeps DMs from people and drops echoes, bots, Slackbot, group DMs and mentions', () => {
    assert.equal(classify(env(msg), us).kind, 'message');
    assert.equal(classify(env({ ...msg, user: 'U0BOT', bot_id: 'B0BOT' }), us).kind, 'ignore');
    assert.equal(classify(env({ ...msg, user: 'U0BOT' }), us).kind, 'ignore');
    assert.equal(
      classify(env({ ...msg, subtype: 'bot_message', bot_id: 'B9', user: undefined }), us).kind,
      'ignore',
    );
    assert.equal(classify(env({ ...msg, user: 'USLACKBOT' }), us).kind, 'ignore');
    assert.equal(classify(env({ ...msg, channel_type: 'mpim' }), us).kind, 'ignore');
    assert.equal(
      classify(env({ type: 'app_mention', channel: 'C1', user: 'U1', text: 'hi', ts: '1' }), us)
        .kind,
      'ignore',
    );
    assert.equal(classify(env({ ...msg, subtype: 'channel_join' }), us).kind, 'ignore');
    assert.equal(classify(env({ type: 'reaction_added' }), us).kind, 'ignore');
  });
  it('tells thread replies, edits, unfurls and deletions apart', () => {
    assert.equal(classify(env({ ...msg, thread_ts: '0.9' }), us).kind, 'thread_reply');
    assert.equal(classify(env({ ...msg, thread_ts: '1.1' }), us).kind, 'message');
    const changed = (text: string) => ({
      ...msg,
      subtype: 'message_changed',
      user: undefined,
      message: { type: 'message', user: 'U1', text, ts: '1.1' },
      previous_message: { type: 'message', user: 'U1', text: 'hi', ts: '1.1' },
    });
    assert.equal(classify(env(changed('hello')), us).kind, 'edit');
    assert.equal(classify(env(changed('hi')), us).kind, 'ignore', 'an unfurl changes no text');
    const del = classify(
      env({ ...msg, subtype: 'message_deleted', user: undefined, deleted_ts: '1.1' }),
      us,
    );
    assert.deepEqual(del, { kind: 'delete', channel: 'D1', ts: '1.1' });
    assert.deepEqual(
      classify(env({ type: 'tokens_revoked', tokens: { oauth: ['U2'], bot: ['U0BOT'] } }), us),
      {
        kind: 'tokens_revoked',
        userIds: ['U2', 'U0BOT'],
      },
    );
  });
});

describe('secret box', () => {
  it('round-trips, and refuses tampering or another key', () => {
    const box = createSecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal('xoxb-secret');
    assert.equal(box.open(sealed), 'xoxb-secret');
    assert.ok(!sealed.includes('xoxb'));
    assert.notEqual(box.seal('xoxb-secret'), sealed, 'a fresh IV every time');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => box.open(parts.join('.')));
    assert.throws(() => createSecretBox(Buffer.alloc(32, 8)).open(sealed));
  });
});
