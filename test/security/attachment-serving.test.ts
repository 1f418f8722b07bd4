/**
 * Attachment bytes are served from Parley's origin, so an uploaded page must never run there:
 * every attachment response is sandboxed (CSP) and unsniffable, and only passive types are
 * shown inline; HTML, SVG, XML, scripts and the rest are downloads of opaque bytes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

async function upload(desk: TestDesk, filename: string, type: string, body: string) {
  const res = await desk.api(
    'POST',
    `/api/v2/uploads?filename=${encodeURIComponent(filename)}`,
    undefined,
    { raw: Buffer.from(body), headers: { 'content-type': type } },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.upload.attachment as { id: number; content_type: string };
}

async function content(desk: TestDesk, id: number) {
  const res = await fetch(`${desk.url}/api/v2/attachments/${id}/content`, {
    headers: { authorization: `Basic ${Buffer.from(desk.auth).toString('base64')}` },
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

function assertSandboxed(headers: Headers) {
  assert.equal(headers.get('content-security-policy'), 'sandbox');
  assert.equal(headers.get('x-content-type-options'), 'nosniff');
}

forEachDatabase('attachment serving', (ctx) => {
  const active: [string, string, string][] = [
    ['page.html', 'text/html', '<script>alert(document.cookie)</script>'],
    ['page.htm', 'text/html; charset=utf-8', '<script>alert(1)</script>'],
    ['logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ['feed.xml', 'application/xml', '<?xml version="1.0"?><x/>'],
    ['feed2.xml', 'text/xml', '<?xml version="1.0"?><x/>'],
    ['page.xhtml', 'application/xhtml+xml', '<html xmlns="http://www.w3.org/1999/xhtml"/>'],
    ['app.js', 'text/javascript', 'alert(1)'],
    ['style.css', 'text/css', 'body{}'],
    ['unknown.bin', 'application/x-whatever', 'bytes'],
  ];

  it('serves HTML, SVG, XML, scripts and unknown types as opaque downloads', async () => {
    for (const [name, type, body] of active) {
      const a = await upload(ctx.desk, name, type, body);
      const res = await content(ctx.desk, a.id);
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream', name);
      assert.match(res.headers.get('content-disposition')!, /^attachment; /, name);
      assertSandboxed(res.headers);
      assert.equal(res.body, body, 'the bytes are unchanged');
      // The record still tells what was uploaded.
      const meta = await ctx.desk.api('GET', `/api/v2/attachments/${a.id}`);
      assert.equal(meta.body.attachment.content_type, type.split(';')[0], name);
    }
  });

  it('shows images, PDF and plain text inline, still sandboxed', async () => {
    const passive: [string, string][] = [
      ['shot.png', 'image/png'],
      ['photo.jpg', 'image/jpeg'],
      ['anim.gif', 'image/gif'],
      ['pic.webp', 'image/webp'],
      ['doc.pdf', 'application/pdf'],
      ['notes.txt', 'text/plain'],
    ];
    for (const [name, type] of passive) {
      const a = await upload(ctx.desk, name, type, 'bytes of ' + name);
      const res = await content(ctx.desk, a.id);
      assert.equal(res.headers.get('content-type'), type, name);
      assert.match(res.headers.get('content-disposition')!, /^inline; /, name);
      assertSandboxed(res.headers);
    }
  });

  it('names the file safely in Content-Disposition', async () => {
    const a = await upload(ctx.desk, `Ré"sumé (1)'s.pdf`, 'application/pdf', '%PDF-1.4');
    const res = await content(ctx.desk, a.id);
    assert.equal(
      res.headers.get('content-disposition'),
      `inline; filename="R__sum_ (1)'s.pdf"; filename*=UTF-8''R%C3%A9%22sum%C3%A9%20%281%29%27s.pdf`,
    );
  });

  it('sandboxes the attachment record and a missing attachment as well', async () => {
    const a = await upload(ctx.desk, 'page.html', 'text/html', '<p>hi</p>');
    const meta = await ctx.desk.api('GET', `/api/v2/attachments/${a.id}`);
    assert.equal(meta.status, 200);
    assertSandboxed(meta.headers);
    const missing = await content(ctx.desk, 987654);
    assert.equal(missing.status, 404);
    assertSandboxed(missing.headers);
  });
});
