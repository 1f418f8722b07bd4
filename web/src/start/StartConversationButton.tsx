import { Button } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CONNECTIONS_KEY, loadConnections } from './start-api.ts';

// The dialog (person search, form) loads when first opened.
const StartDialog = lazy(() => import('./StartDialog.tsx'));

/**
 * "New conversation" in the header: shown only when the agent may start conversations and a
 * Slack connection is active.
 */
export function StartConversationButton() {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const connections = useQuery({
    queryKey: CONNECTIONS_KEY,
    queryFn: loadConnections,
    retry: false,
    staleTime: 60_000,
  });
  if (!connections.data?.length) return null;
  return (
    <>
      <Button variant="filled" color="blue.8" onClick={() => setOpened(true)}>
        {t('start.button')}
      </Button>
      {opened && (
        <Suspense fallback={null}>
          <StartDialog connections={connections.data} onClose={() => setOpened(false)} />
        </Suspense>
      )}
    </>
  );
}
