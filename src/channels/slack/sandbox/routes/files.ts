/** The external upload URL, authenticated file downloads and avatars. */
import type { FastifyInstance } from 'fastify';
import { avatarPng, initialsOf } from '../avatar.ts';
import { boundaryOf, parseMultipart } from '../multipart.ts';
import { errorPage, loginPage } from '../page.ts';
import type { SlackSandbox } from '../sandbox.ts';
import { AVATAR_SIZES } from '../shapes.ts';
import { bodyBuffer, credentials, html, sendFile } from './request.ts';

const avatarCache = new Map<string, Buffer>();

export function fileRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  uploadAndDownloadRoutes(app, sb);
  avatarRoutes(app, sb);
}

/** The external upload URL and file downloads. */
function uploadAndDownloadRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  const ws = sb.workspace;

  app.post('/upload/:uploadId', async (req, reply) => {
    const file = ws.fileByUploadId((req.params as { uploadId: string }).uploadId);
    if (!file) return reply.status(404).header('content-type', 'text/plain').send('Not Found');
    const body = bodyBuffer(req) ?? Buffer.alloc(0);
    let bytes = body;
    const boundary = boundaryOf(req.headers['content-type']);
    if (boundary) {
      let parts;
      try {
        parts = parseMultipart(body, boundary);
      } catch {
        return reply.status(400).header('content-type', 'text/plain').send('Bad multipart body');
      }
      const part =
        parts.find((p) => p.filename !== undefined) ??
        parts.find((p) => p.name === 'file' || p.name === 'body') ??
        parts[0];
      bytes = part ? Buffer.from(part.data) : Buffer.alloc(0);
    }
    if (bytes.length > sb.maxFileBytes) {
      return reply.status(413).header('content-type', 'text/plain').send('Too large');
    }
    ws.storeUpload(file, Buffer.from(bytes));
    return reply.header('content-type', 'text/plain; charset=utf-8').send(`OK - ${bytes.length}`);
  });

  // Like files.slack.com: bytes for a token that can see the file, a login page otherwise.
  app.get('/files/:fileId/*', async (req, reply) => {
    const { fileId } = req.params as { fileId: string; '*': string };
    const rest = (req.params as { '*': string })['*'] ?? '';
    const bearer = credentials(req).bearer;
    let viewer: string | null = null;
    if (bearer) {
      try {
        viewer = ws.authenticate(bearer).user.id;
      } catch {
        viewer = null;
      }
    }
    const file = ws.file(fileId);
    if (!viewer) return html(reply, loginPage(sb));
    const bytes = file && ws.blobs.get(file.id);
    if (!file || !bytes || !ws.canSeeFile(file, viewer)) {
      return html(
        reply,
        errorPage('File not found', 'This file does not exist or you cannot see it.'),
        404,
      );
    }
    return sendFile(reply, file, bytes, rest.startsWith('download/'));
  });

  // The page's own download links: the simulated person needs no token.
  app.get('/ui/files/:fileId', async (req, reply) => {
    const file = ws.file((req.params as { fileId: string }).fileId);
    const bytes = file && ws.blobs.get(file.id);
    if (!file || !bytes) return reply.status(404).send({ ok: false, error: 'file_not_found' });
    return sendFile(reply, file, bytes, false);
  });
}

/** Generated initials avatars, cached. */
function avatarRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  const ws = sb.workspace;

  app.get('/avatars/:who/:size', async (req, reply) => {
    const { who, size } = req.params as { who: string; size: string };
    const px = Number(size.replace(/\.png$/, ''));
    if (!AVATAR_SIZES.includes(px as (typeof AVATAR_SIZES)[number])) {
      return reply.status(404).send({ ok: false, error: 'not_found' });
    }
    const user = ws.user(who);
    const team = ws.team(who);
    const bot = ws.bot(who);
    const name = user?.real_name ?? team?.name ?? bot?.name;
    if (!name) return reply.status(404).send({ ok: false, error: 'not_found' });
    const color = user?.color ?? (team ? '611f69' : '1d9bd1');
    const key = `${who}:${px}:${name}:${color}`;
    let png = avatarCache.get(key);
    if (!png) {
      png = avatarPng(initialsOf(name), color, px);
      if (avatarCache.size > 500) avatarCache.clear();
      avatarCache.set(key, png);
    }
    return reply
      .header('content-type', 'image/png')
      .header('cache-control', 'public, max-age=3600')
      .send(png);
  });
}
