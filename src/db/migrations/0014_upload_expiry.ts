import type { Kysely } from 'kysely';

/**
 * Upload tokens expire (Zendesk: 60 minutes after the upload), and a sweep removes the files
 * of tokens that expired unattached. `upload_expires_at` is the token's expiry on each of its
 * files while they wait; it is cleared when a comment takes them. The sweep finds expired
 * uploads through its index, and asks whether a blob is still used through `blob_key`'s.
 *
 * Uploads waiting at upgrade time get a fresh 60 minutes: Parley used to say 3 days, but never
 * enforced it, so abandoned uploads of any age are among them and go at the first sweep after.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attachments').addColumn('upload_expires_at', 'text').execute();
  await db
    .updateTable('attachments')
    .set({ upload_expires_at: new Date(Date.now() + 60 * 60_000).toISOString() })
    .where('comment_id', 'is', null)
    .execute();
  await db.schema
    .createIndex('attachments_upload_expiry')
    .on('attachments')
    .column('upload_expires_at')
    .execute();
  await db.schema.createIndex('attachments_blob').on('attachments').column('blob_key').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('attachments_blob').execute();
  await db.schema.dropIndex('attachments_upload_expiry').execute();
  await db.schema.alterTable('attachments').dropColumn('upload_expires_at').execute();
}
