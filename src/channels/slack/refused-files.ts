import type { FileFetchError, FileProblem } from './files.ts';

/**
 * Files of a person's message that did not become attachments, and what agents and the person
 * are told about them. `policy`: the channel does not accept the file; the others are why Slack
 * did not hand it over (see FileProblem).
 */
export interface RefusedFile {
  name: string;
  reason: string;
  problem: FileProblem | 'policy';
}

/** A file's name for people; Slack Connect stubs that could not be resolved have only an id. */
export function fileLabel(file: {
  id: string;
  name?: string | null;
  title?: string | null;
}): string {
  return file.name || file.title || `file ${file.id}`;
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : Number(mb.toFixed(1))} MB`;
}

/** The note's reason for a file Slack did not hand over. */
export function fetchFailure(
  name: string,
  err: FileFetchError,
  opts: { uploadLimit: number; gaveUpAfterMs?: number },
): RefusedFile {
  let reason: string;
  switch (err.problem) {
    case 'deleted':
      reason = `deleted in Slack before the help desk could fetch it (${err.message})`;
      break;
    case 'too_large':
      reason = `larger than the upload limit of ${megabytes(opts.uploadLimit)}`;
      break;
    case 'unavailable':
      reason =
        opts.gaveUpAfterMs === undefined
          ? err.message
          : `Slack did not hand it over within ${Math.round(opts.gaveUpAfterMs / 1000)} s (${err.message})`;
      break;
    default:
      reason = err.message;
  }
  return { name, reason, problem: err.problem };
}

const names = (files: RefusedFile[]) => files.map((f) => f.name).join(', ');

/** The internal note: every file that did not make it, and why. */
export function refusalNote(requesterName: string, refused: RefusedFile[]): string {
  const list = (files: RefusedFile[]) => files.map((f) => `- ${f.name}: ${f.reason}`).join('\n');
  const policy = refused.filter((f) => f.problem === 'policy');
  const fetched = refused.filter((f) => f.problem !== 'policy');
  const parts: string[] = [];
  if (policy.length > 0)
    parts.push(`Files from ${requesterName} were not accepted:\n\n${list(policy)}`);
  if (fetched.length > 0)
    parts.push(
      `Files from ${requesterName} could not be fetched from Slack; the message was added ` +
        `without them:\n\n${list(fetched)}`,
    );
  return parts.join('\n\n');
}

/**
 * What the person is told in the DM, for what they can do something about: send an accepted
 * type, send a deleted file again, send a smaller one. Null when there is nothing for them to
 * do (Slack refusing the help desk's token, a host outside the allowlist, an outage): agents
 * see those in the note.
 */
export function refusalNotice(
  refused: RefusedFile[],
  opts: { acceptedTypes: string[] | null; uploadLimit: number },
): string | null {
  const lines: string[] = [];
  const policy = refused.filter((f) => f.problem === 'policy');
  if (policy.length > 0) {
    const accepted = opts.acceptedTypes?.length
      ? `Accepted file types: ${opts.acceptedTypes.join(', ')}.`
      : 'This help desk does not accept files here.';
    lines.push(`Sorry, we could not accept ${names(policy)}. ${accepted}`);
  }
  const deleted = refused.filter((f) => f.problem === 'deleted');
  if (deleted.length > 0) {
    const one = deleted.length === 1;
    lines.push(
      `Your message reached the help desk, but ${names(deleted)} did not: ` +
        `${one ? 'it was' : 'they were'} deleted before we could fetch ${one ? 'it' : 'them'}. ` +
        `Please send ${one ? 'it' : 'them'} again if we should see ${one ? 'it' : 'them'}.`,
    );
  }
  const large = refused.filter((f) => f.problem === 'too_large');
  if (large.length > 0) {
    lines.push(
      `Your message reached the help desk, but ${names(large)} did not: files can be at most ` +
        `${megabytes(opts.uploadLimit)}. Please send a smaller file or a link to it.`,
    );
  }
  return lines.length > 0 ? lines.join('\n') : null;
}

/** The comment's body when the message was only files and none of them made it. */
export function filesOnlyBody(refused: RefusedFile[]): string {
  const list = refused.map((f) => `${f.name} (${f.reason})`).join(', ');
  const what = refused.length === 1 ? 'a file' : 'files';
  return refused.every((f) => f.problem === 'policy')
    ? `_Sent ${what} that could not be accepted: ${list}_`
    : `_Sent ${what} that did not reach the help desk: ${list}_`;
}
