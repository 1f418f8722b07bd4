import type { UploadedFile } from './types.ts';

/** The server's reason for refusing a request, from Zendesk's error envelope. */
export function serverMessage(body: unknown, fallback: string): string {
  if (!body || typeof body !== 'object') return fallback;
  const b = body as { description?: unknown; details?: unknown };
  if (b.details && typeof b.details === 'object') {
    const lines = Object.values(b.details as Record<string, unknown>)
      .flatMap((list) => (Array.isArray(list) ? list : []))
      .map((d) =>
        d && typeof d === 'object' ? (d as { description?: unknown }).description : null,
      )
      .filter((d): d is string => typeof d === 'string');
    if (lines.length > 0) return lines.join(' ');
  }
  return typeof b.description === 'string' && b.description ? b.description : fallback;
}

export class UploadError extends Error {}

/**
 * POST /api/v2/uploads?filename=…: the file's bytes as the body, with its progress reported
 * (fetch cannot report upload progress, so XMLHttpRequest). Each file gets its own token.
 */
export function uploadFile(
  file: File,
  name: string,
  csrfToken: string | null,
  onProgress: (fraction: number) => void,
  fallbackMessage: string,
): { done: Promise<UploadedFile>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadedFile>((resolve, reject) => {
    xhr.open('POST', `/api/v2/uploads?filename=${encodeURIComponent(name)}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status === 201) {
        const upload = (body as { upload: { token: string; attachment: { id: number } } }).upload;
        resolve({ token: upload.token, name, size: file.size, attachmentId: upload.attachment.id });
      } else {
        reject(new UploadError(serverMessage(body, fallbackMessage)));
      }
    };
    xhr.onerror = () => reject(new UploadError(fallbackMessage));
    xhr.onabort = () => reject(new UploadError(fallbackMessage));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** A name for a pasted image, which the clipboard gives as "image.png". */
export function pastedName(file: File, now: Date): string {
  const ext = file.type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return `pasted-${stamp}.${ext.replace(/[^a-z0-9]/gi, '')}`;
}
