import { useTranslation } from 'react-i18next';
import classes from './conversation.module.css';
import { formatSize } from './format.ts';
import type { AttachmentJson } from './types.ts';

// Same-origin paths: the app's Content-Security-Policy allows images from its own origin.
const contentPath = (a: AttachmentJson) => `/api/v2/attachments/${a.id}/content`;
const isImage = (a: AttachmentJson) => /^image\/(png|jpe?g|gif|webp)$/i.test(a.content_type ?? '');

/** Images as previews that open full size; other files as download links with their size. */
export function Attachments({ attachments }: { attachments: AttachmentJson[] }) {
  const { t, i18n } = useTranslation();
  if (attachments.length === 0) return null;
  const images = attachments.filter(isImage);
  const files = attachments.filter((a) => !isImage(a));
  return (
    <div className={classes.attachments}>
      {images.length > 0 && (
        <div className={classes.images}>
          {images.map((a) => (
            <a
              key={a.id}
              className={classes.link}
              href={contentPath(a)}
              target="_blank"
              rel="noopener"
              aria-label={t('conversation.attachment.openImage', { name: a.file_name })}
              data-attachment-id={a.id}
            >
              <img
                className={classes.image}
                src={contentPath(a)}
                alt={a.file_name}
                loading="lazy"
              />
            </a>
          ))}
        </div>
      )}
      {files.map((a) => (
        <p key={a.id} className={classes.file} data-attachment-id={a.id}>
          <a className={classes.link} href={contentPath(a)} download={a.file_name}>
            {a.file_name}
          </a>{' '}
          <span className={classes.quiet}>({formatSize(i18n.resolvedLanguage, a.size)})</span>
        </p>
      ))}
    </div>
  );
}
