import {
  Button,
  CloseButton,
  FileButton,
  Group,
  Paper,
  Progress,
  Stack,
  Text,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { UploadedFile } from './types.ts';

/** A file on its way up (or refused: then `error` is the server's message). */
export interface PendingUpload {
  key: string;
  name: string;
  size: number;
  progress: number;
  error: string | null;
  abort: (() => void) | null;
}

function useSize() {
  const { i18n } = useTranslation();
  return (bytes: number) => {
    const [value, unit] =
      bytes >= 1024 * 1024
        ? [bytes / (1024 * 1024), 'megabyte']
        : bytes >= 1024
          ? [bytes / 1024, 'kilobyte']
          : [bytes, 'byte'];
    return new Intl.NumberFormat(i18n.resolvedLanguage, {
      style: 'unit',
      unit,
      unitDisplay: 'narrow',
      maximumFractionDigits: unit === 'byte' ? 0 : 1,
    }).format(value);
  };
}

/** The composer's attachments: a picker, and one chip per file (name, size, progress, remove). */
export function Attachments({
  uploads,
  pending,
  onFiles,
  onRemove,
  onRemovePending,
  disabled,
  dragging,
}: {
  uploads: UploadedFile[];
  pending: PendingUpload[];
  onFiles: (files: File[]) => void;
  onRemove: (token: string) => void;
  onRemovePending: (key: string) => void;
  disabled: boolean;
  dragging: boolean;
}) {
  const { t } = useTranslation();
  const size = useSize();
  return (
    <Stack gap="xs" mt="xs">
      <Group gap="xs">
        <FileButton onChange={onFiles} multiple disabled={disabled}>
          {(props) => (
            <Button {...props} variant="default" size="xs" disabled={disabled}>
              {t('composer.attach.button')}
            </Button>
          )}
        </FileButton>
        <Text size="xs" c="gray.7" aria-live="polite">
          {dragging ? t('composer.attach.drop') : t('composer.attach.hint')}
        </Text>
      </Group>
      {(uploads.length > 0 || pending.length > 0) && (
        <Group
          gap="xs"
          component="ul"
          p={0}
          m={0}
          style={{ listStyle: 'none' }}
          aria-label={t('composer.attach.list')}
        >
          {uploads.map((u) => (
            <Paper component="li" key={u.token} withBorder px="xs" py={4} data-upload={u.name}>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" fw={600}>
                  {u.name}
                </Text>
                <Text size="xs" c="gray.7">
                  {size(u.size)}
                </Text>
                <CloseButton
                  size="sm"
                  aria-label={t('composer.attach.remove', { name: u.name })}
                  onClick={() => onRemove(u.token)}
                />
              </Group>
            </Paper>
          ))}
          {pending.map((p) => (
            <Paper
              component="li"
              key={p.key}
              withBorder
              px="xs"
              py={4}
              data-upload-pending={p.name}
              style={p.error ? { borderColor: 'var(--mantine-color-red-8)' } : undefined}
            >
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" fw={600}>
                  {p.name}
                </Text>
                <Text size="xs" c="gray.7">
                  {size(p.size)}
                </Text>
                <CloseButton
                  size="sm"
                  aria-label={t('composer.attach.remove', { name: p.name })}
                  onClick={() => onRemovePending(p.key)}
                />
              </Group>
              {p.error ? (
                <Text size="xs" c="red.9" role="alert">
                  {t('composer.attach.refused', { reason: p.error })}
                </Text>
              ) : (
                <Progress
                  value={Math.round(p.progress * 100)}
                  size="sm"
                  mt={2}
                  aria-label={t('composer.attach.progress', { name: p.name })}
                />
              )}
            </Paper>
          ))}
        </Group>
      )}
    </Stack>
  );
}
