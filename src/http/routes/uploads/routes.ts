import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isAgent } from '../../../desk/context.ts';
import { NotFoundError } from '../../../desk/errors.ts';
import { can } from '../../../desk/policies/authorize.ts';
import { nowIso, presentTime } from '../../../desk/time.ts';
import { uploadExpired, uploadExpiresAt } from '../../../desk/uploads.ts';
import { attachmentSecurityHeaders, servedAs } from '../../attachment-serving.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { HttpError, parseWith } from '../../shared/errors.ts';
import { presentAttachment } from '../../shared/read-model/presenters.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { uploadQuery } from './query-schemas.ts';

const TYPES_BY_EXTENSION: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.zip': 'application/zip',
};

function contentTypeFor(fileName: string, header: string | undefined): string {
  const given = header?.split(';')[0]!.trim().toLowerCase(); // split gives one part at least
  if (given && given !== 'application/binary' && given !== 'application/octet-stream') {
    return given;
  }
  return TYPES_BY_EXTENSION[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** The attachment's ticket as the ticket policy reads it. */
function ticketOf(row: {
  requester_id: number | null;
  is_public: number | null;
  from_messaging_channel: number | null;
}) {
  return {
    requester_id: row.requester_id ?? 0,
    is_public: row.is_public ?? 0,
    from_messaging_channel: row.from_messaging_channel ?? 0,
  };
}

export const uploadRoutes: RoutePlugin = (app, { db, config, blobs }) => {
  const base = config.publicUrl;

  void app.register(async (scope) => {
    // Uploads are raw bytes of any type, so this scope reads every body as a buffer.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: config.uploadLimit },
      (_req, body, done) => done(null, body),
    );

    scope.post('/uploads', async (req, reply) => {
      const actor = actorOf(req);
      const { filename, token: given } = parseWith(uploadQuery, req.query);
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (data.length === 0) throw new HttpError(400, 'BadRequest', 'The upload body is empty');
      const now = nowIso();
      let expiresAt = uploadExpiresAt(now);
      if (given) {
        // A file added to a token shares its expiry: adding does not make a token live longer.
        const live = await db
          .selectFrom('attachments')
          .select('upload_expires_at')
          .where('upload_token', '=', given)
          .where('comment_id', 'is', null)
          .where('upload_expires_at', '>', now)
          .executeTakeFirst();
        if (!live?.upload_expires_at) throw new NotFoundError('Upload');
        expiresAt = live.upload_expires_at;
      }
      const token = given ?? randomBytes(18).toString('base64url');
      const stored = await blobs.put(data);
      const attachment = await db
        .insertInto('attachments')
        .values({
          upload_token: token,
          uploader_id: actor.user.id,
          file_name: filename,
          content_type: contentTypeFor(filename, req.headers['content-type']),
          size: data.length,
          sha256: stored.sha256,
          blob_key: stored.key,
          created_at: now,
          upload_expires_at: expiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const all = await db
        .selectFrom('attachments')
        .selectAll()
        .where('upload_token', '=', token)
        .orderBy('id')
        .execute();
      reply.status(201);
      return {
        upload: {
          token,
          expires_at: presentTime(expiresAt),
          attachment: presentAttachment(attachment, base),
          attachments: all.map((a) => presentAttachment(a, base)),
        },
      };
    });
  });

  app.delete('/uploads/:token', async (req, reply) => {
    const token = (req.params as { token: string }).token;
    const actor = actorOf(req);
    const now = nowIso();
    // Deleting expires the token now: from here on it is gone for every request, and the
    // upload sweep removes its rows and bytes with the other expired ones, under the same
    // guards against a blob that another upload is storing at this moment.
    let q = db
      .updateTable('attachments')
      .set({ upload_expires_at: now })
      .where('upload_token', '=', token)
      .where('comment_id', 'is', null)
      .where('upload_expires_at', '>', now);
    if (!isAgent(actor.user)) q = q.where('uploader_id', '=', actor.user.id);
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new NotFoundError('Upload');
    return reply.status(204).send();
  });

  /**
   * An attachment is visible to agents who may read its ticket, and to an end user on a public
   * comment of their ticket.
   */
  async function visibleAttachment(req: Parameters<typeof actorOf>[0]) {
    const actor = actorOf(req);
    const row = await db
      .selectFrom('attachments')
      .leftJoin('comments', 'comments.id', 'attachments.comment_id')
      .leftJoin('tickets', 'tickets.id', 'attachments.ticket_id')
      .selectAll('attachments')
      .select([
        'comments.public as comment_public',
        'tickets.requester_id as requester_id',
        'tickets.is_public as is_public',
        'tickets.from_messaging_channel as from_messaging_channel',
      ])
      .where('attachments.id', '=', idParam(req.params))
      .executeTakeFirst();
    if (!row) throw new NotFoundError('Attachment');
    // An upload whose token expired unattached is gone, as in Zendesk, even before the sweep.
    if (row.comment_id === null && uploadExpired(row.upload_expires_at, nowIso())) {
      throw new NotFoundError('Attachment');
    }
    if (!isAgent(actor.user)) {
      const own =
        row.comment_id === null
          ? row.uploader_id === actor.user.id
          : row.comment_public === 1 && row.requester_id === actor.user.id;
      if (!own) throw new NotFoundError('Attachment');
    } else if (row.requester_id !== null && !(await can(db, actor, 'ticket:read', ticketOf(row)))) {
      throw new NotFoundError('Attachment');
    }
    const {
      comment_public: _p,
      requester_id: _r,
      is_public: _i,
      from_messaging_channel: _m,
      ...attachment
    } = row;
    return attachment;
  }

  app.get('/attachments/:id', { onRequest: attachmentSecurityHeaders }, async (req) => ({
    attachment: presentAttachment(await visibleAttachment(req), base),
  }));

  app.get(
    '/attachments/:id/content',
    { onRequest: attachmentSecurityHeaders },
    async (req, reply) => {
      const attachment = await visibleAttachment(req);
      const data = await blobs.get(attachment.blob_key);
      if (!data) throw new NotFoundError('Attachment');
      // Uploaded bytes never render as HTML or SVG here: see attachment-serving.ts.
      const served = servedAs(attachment.content_type, attachment.file_name);
      return reply
        .header('content-type', served.contentType)
        .header('content-disposition', served.disposition)
        .send(data);
    },
  );
};
