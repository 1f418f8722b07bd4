import type { WebClient } from '@slack/web-api';
import type { SlackConnection } from '../../../db/types.ts';
import type { SlackFile } from '../classify.ts';
import { allowedFileTypes } from '../connections.ts';
import { connectionToken, type SlackContext } from '../context.ts';
import { checkFile, downloadFile, FileFetchError, fileType, resolveFile } from '../files.ts';
import { fetchFailure, fileLabel } from '../refused-files.ts';
import type { Prepared } from './prepared.ts';
import { FilesUnavailable } from './retries.ts';

/** The longest a file download may take. */
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** What every file of one message is checked against. */
interface FilePolicy {
  allowed: string[];
  token: string;
  uploadLimit: number;
}

/**
 * Fetches and checks the message's files. A file Slack will not hand over is noted and left
 * out at once when waiting cannot help (deleted, too large, refused); when it might (an
 * outage) the event is retried within its bound, and left out on its last try.
 */
export async function prepareFiles(
  ctx: SlackContext,
  boundMs: number,
  p: Prepared,
  connection: SlackConnection,
  client: WebClient,
  files: SlackFile[],
) {
  if (connection.attachments_enabled !== 1) {
    for (const f of files)
      p.refused.push({
        name: fileLabel(f),
        reason: 'attachments are turned off for this channel',
        problem: 'policy',
      });
    return;
  }
  const policy: FilePolicy = {
    allowed: allowedFileTypes(connection),
    token: connectionToken(ctx, connection)!,
    uploadLimit: ctx.config.uploadLimit,
  };
  const later: { name: string; err: FileFetchError }[] = [];
  for (const stub of files) {
    // The label becomes the file's own name once Slack has told it.
    const label = { name: fileLabel(stub) };
    try {
      await fetchFile(ctx, p, client, stub, policy, label);
    } catch (err) {
      if (!(err instanceof FileFetchError)) throw err;
      const name = label.name;
      if (err.transient && !p.attempt.final) {
        later.push({ name, err });
        continue;
      }
      p.refused.push(
        fetchFailure(name, err, {
          uploadLimit: policy.uploadLimit,
          // The bound is counted from the first try.
          ...(err.transient ? { gaveUpAfterMs: Date.now() - (p.attempt.deadline - boundMs) } : {}),
        }),
      );
    }
  }
  if (later.length > 0) throw new FilesUnavailable(later);
}

/** Fetches, checks and stores one file into `p.files`, or notes it refused by policy. */
async function fetchFile(
  ctx: SlackContext,
  p: Prepared,
  client: WebClient,
  stub: SlackFile,
  policy: FilePolicy,
  label: { name: string },
): Promise<void> {
  const { allowed, token, uploadLimit } = policy;
  const file = await resolveFile(client, stub);
  const name = (label.name = fileLabel(file));
  const type = fileType(name);
  if (!type || !allowed.includes(type)) {
    p.refused.push({
      name,
      reason: type
        ? `.${type} files are not accepted`
        : 'files without an extension are not accepted',
      problem: 'policy',
    });
    return;
  }
  const url = file.url_private_download ?? file.url_private;
  if (!url) throw new FileFetchError('refused', 'Slack did not share the file');
  // Slack says how big the file is: no need to fetch what could not be kept.
  if (typeof file.size === 'number' && file.size > uploadLimit)
    throw new FileFetchError('too_large', `the file is larger than ${uploadLimit} bytes`);
  const data = await downloadFile(url, token, {
    allowedHosts: ctx.config.slack.fileHosts,
    maxBytes: uploadLimit,
    timeoutMs: Math.max(1000, Math.min(DOWNLOAD_TIMEOUT_MS, p.attempt.deadline - Date.now())),
  });
  const check = checkFile(name, data, allowed);
  if (!check.ok) {
    p.refused.push({ name, reason: check.reason, problem: 'policy' });
    return;
  }
  let stored;
  try {
    stored = await ctx.blobs.put(data);
  } catch (err) {
    throw new FileFetchError(
      'unavailable',
      `could not be stored: ${String((err as Error)?.message ?? err)}`,
    );
  }
  p.files.push({
    file_name: name,
    content_type: check.contentType,
    size: data.length,
    sha256: stored.sha256,
    blob_key: stored.key,
  });
}
