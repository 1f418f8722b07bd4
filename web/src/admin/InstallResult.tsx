import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { SlackConnection } from './types.ts';

const REASONS = new Set([
  'cancelled',
  'state_invalid',
  'not_bound',
  'wrong_workspace',
  'already_active',
  'slack_refused',
  'not_found',
]);

/**
 * How an install went, from the address Parley's OAuth redirect sends the browser back to
 * (`?installed=ID`, or `?install_failed=REASON&connection=ID&slack_error=CODE`).
 */
export function InstallResult({ connections }: { connections: SlackConnection[] | undefined }) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const installed = params.get('installed');
  const failed = params.get('install_failed');
  if (!installed && !failed) return null;
  const dismiss = () => setParams({}, { replace: true });

  if (installed) {
    const name = connections?.find((c) => String(c.id) === installed)?.name;
    return (
      <Alert
        color="green"
        role="status"
        withCloseButton
        closeButtonLabel={t('admin.slack.result.dismiss')}
        onClose={dismiss}
        data-testid="install-result"
      >
        {name
          ? t('admin.slack.result.installed', { name })
          : t('admin.slack.result.installedUnnamed')}
      </Alert>
    );
  }
  const code = params.get('slack_error');
  const reason = failed && REASONS.has(failed) ? failed : 'unknown';
  const message =
    reason === 'slack_refused' && code && /^\w{1,80}$/.test(code)
      ? t('admin.slack.result.slack_refused_code', { code })
      : t(`admin.slack.result.${reason}`);
  return (
    <Alert
      color="red"
      role="alert"
      title={t('admin.slack.result.failedTitle')}
      withCloseButton
      closeButtonLabel={t('admin.slack.result.dismiss')}
      onClose={dismiss}
      data-testid="install-result"
    >
      {message}
    </Alert>
  );
}
