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
import type { CSSProperties, ReactNode } from 'react';
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
            <FileChip
              key={u.token}
              name={u.name}
              size={u.size}
              onRemove={() => onRemove(u.token)}
              data-upload={u.name}
            />
          ))}
          {pending.map((p) => (
            <FileChip
              key={p.key}
              name={p.name}
              size={p.size}
              onRemove={() => onRemovePending(p.key)}
              data-upload-pending={p.name}
              style={p.error ? { borderColor: 'var(--mantine-color-red-8)' } : undefined}
            >
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
            </FileChip>
          ))}
        </Group>
      )}
    </Stack>
  );
}

/**
 * One file in the list, uploaded or on its way: its name, size and remove button; `children`
 * (a pending file's progress or refusal) below them.
 */
function FileChip({
  name,
  size,
  onRemove,
  style,
  children,
  ...data
}: {
  name: string;
  size: number;
  onRemove: () => void;
  style?: CSSProperties | undefined;
  children?: ReactNode;
  'data-upload'?: string;
  'data-upload-pending'?: string;
}) {
  const { t } = useTranslation();
  const formatSize = useSize();
  return (
    <Paper component="li" withBorder px="xs" py={4} style={style} {...data}>
      <Group gap="xs" wrap="nowrap">
        <Text size="sm" fw={600}>
          {name}
        </Text>
        <Text size="xs" c="gray.7">
          {formatSize(size)}
        </Text>
        <CloseButton
          size="sm"
          aria-label={t('composer.attach.remove', { name })}
          onClick={onRemove}
        />
      </Group>
      {children}
    </Paper>
  );
}
