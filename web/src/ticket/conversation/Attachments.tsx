import { Anchor, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
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
    <Stack gap="xs" mt="xs">
      {images.length > 0 && (
        <Group gap="sm" align="flex-start">
          {images.map((a) => (
            <Anchor
              key={a.id}
              href={contentPath(a)}
              target="_blank"
              rel="noopener"
              aria-label={t('conversation.attachment.openImage', { name: a.file_name })}
              data-attachment-id={a.id}
            >
              <img
                src={contentPath(a)}
                alt={a.file_name}
                loading="lazy"
                style={{
                  display: 'block',
                  maxWidth: 240,
                  maxHeight: 180,
                  borderRadius: 4,
                  border: '1px solid var(--mantine-color-gray-4)',
                }}
              />
            </Anchor>
          ))}
        </Group>
      )}
      {files.map((a) => (
        <Text key={a.id} size="sm" data-attachment-id={a.id}>
          <Anchor href={contentPath(a)} download={a.file_name}>
            {a.file_name}
          </Anchor>{' '}
          <Text span size="sm" c="gray.7">
            ({formatSize(i18n.resolvedLanguage, a.size)})
          </Text>
        </Text>
      ))}
    </Stack>
  );
}
