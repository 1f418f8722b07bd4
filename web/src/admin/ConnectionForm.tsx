import {
  Alert,
  Button,
  Group,
  Radio,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { invalidFields } from './errors.ts';
import { useBrands } from './queries.ts';
import type { ConnectionMode, SlackConnection } from './types.ts';

export interface ConnectionFormValues {
  name: string;
  brand_id: number | undefined;
  mode: ConnectionMode;
  attachments_enabled: boolean;
  allowed_file_types: string[];
}

// Mantine's descriptions are gray.6, too light for small text on white (WCAG AA).
const READABLE = { description: { color: 'var(--mantine-color-gray-7)' } };

/** An extension as the server keeps it: lower case, no leading dot. */
function extension(value: string): string {
  return value.trim().replace(/^\.+/, '').toLowerCase();
}

/**
 * A connection's settings: name and brand always; the mode only when adding (an installed
 * identity cannot change kind); file attachments and their allowlist when editing.
 */
export function ConnectionForm({
  initial,
  editing,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  initial?: SlackConnection;
  editing: boolean;
  busy: boolean;
  error: unknown;
  onSubmit: (values: ConnectionFormValues) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const brands = useBrands();
  const [name, setName] = useState(initial?.name ?? '');
  const [brand, setBrand] = useState<string | null>(initial ? String(initial.brand_id) : null);
  const [mode, setMode] = useState<ConnectionMode>(initial?.mode ?? 'bot');
  const [attachments, setAttachments] = useState(initial?.attachments_enabled ?? true);
  const [types, setTypes] = useState<string[]>(initial?.allowed_file_types ?? []);
  const [nameError, setNameError] = useState<string | null>(null);
  const refused = invalidFields(error);
  const fallbackBrand = brands.data?.find((b) => b.default) ?? brands.data?.[0];
  const shownBrand = brand ?? (fallbackBrand ? String(fallbackBrand.id) : null);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setNameError(t('admin.slack.form.nameRequired'));
      return;
    }
    setNameError(null);
    onSubmit({
      name: name.trim(),
      brand_id: shownBrand ? Number(shownBrand) : undefined,
      mode,
      attachments_enabled: attachments,
      allowed_file_types: [...new Set(types.map(extension).filter(Boolean))],
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {error != null && (
          <Alert color="red" role="alert">
            {refused.length > 0
              ? t('admin.slack.form.invalid', { fields: refused.join(', ') })
              : t('common.failed')}
          </Alert>
        )}
        <TextInput
          styles={READABLE}
          label={t('admin.slack.form.name')}
          description={t('admin.slack.form.nameHelp')}
          required
          maxLength={100}
          value={name}
          error={nameError}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        <Select
          label={t('admin.slack.form.brand')}
          data={(brands.data ?? []).map((b) => ({ value: String(b.id), label: b.name }))}
          value={shownBrand}
          onChange={setBrand}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        {!editing && (
          <Radio.Group
            label={t('admin.slack.form.mode')}
            value={mode}
            onChange={(v) => setMode(v as ConnectionMode)}
          >
            <Stack gap="xs" mt="xs">
              {(['bot', 'account'] as const).map((m) => (
                <Radio
                  styles={READABLE}
                  key={m}
                  value={m}
                  label={t(`admin.slack.mode.${m}`)}
                  description={t(`admin.slack.modeHelp.${m}`)}
                />
              ))}
            </Stack>
          </Radio.Group>
        )}
        {editing && (
          <>
            <Switch
              styles={READABLE}
              label={t('admin.slack.form.attachments')}
              description={t('admin.slack.form.attachmentsHelp')}
              checked={attachments}
              onChange={(e) => setAttachments(e.currentTarget.checked)}
            />
            <TagsInput
              styles={READABLE}
              label={t('admin.slack.form.fileTypes')}
              description={t('admin.slack.form.fileTypesHelp')}
              value={types}
              onChange={setTypes}
              disabled={!attachments}
              maxTags={100}
              splitChars={[',', ' ']}
              clearable
            />
            {!attachments && (
              <Text size="sm" c="gray.7">
                {t('admin.slack.form.attachmentsOff')}
              </Text>
            )}
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t('admin.slack.form.cancel')}
          </Button>
          <Button type="submit" loading={busy}>
            {editing ? t('admin.slack.form.save') : t('admin.slack.form.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
