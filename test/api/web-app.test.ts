import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { requireWebBuild } from '../helpers/web-build.ts';

describe('the web app served at /', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  let index: string;

  before(async () => {
    index = readFileSync(requireWebBuild(), 'utf8');
    desk = await startTestDesk('sqlite');
  });
  after(async () => {
    if (desk) await desk.stop();
  });

  it('answers index.html, never cached, at / and at the app’s own routes', async () => {
    for (const p of ['/', '/sign-in', '/views', '/views/12', '/tickets/7', '/search?q=vpn']) {
      const res = await fetch(`${desk.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type')!, /text\/html/, p);
      assert.equal(res.headers.get('cache-control'), 'no-cache', p);
      assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/, p);
      assert.equal(await res.text(), index, p);
    }
  });

  it('serves the hashed bundles cached for a year', async () => {
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    assert.ok(script, 'index.html names its entry script');
    const res = await fetch(`${desk.url}${script}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /javascript/);
    assert.match(res.headers.get('cache-control')!, /max-age=31536000/);
    assert.match(res.headers.get('cache-control')!, /immutable/);
  });

  it('never answers the app for API, Slack, sandbox or unknown addresses', async () => {
    for (const p of ['/api/v2/nothing-here', '/slack/nothing', '/assets/missing.js', '/nope']) {
      const res = await fetch(`${desk.url}${p}`);
      assert.equal(res.status, 404, p);
      assert.match(res.headers.get('content-type')!, /json/, p);
    }
  });
});
