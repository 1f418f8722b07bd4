import { Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session.tsx';

/** End users can sign in (their session serves the help center), but not to the workspace. */
export function AgentsOnly() {
  const { t } = useTranslation();
  const { user, signOut } = useSession();
  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder p="xl" w={440}>
        <Stack>
          <Title order={1} size="h2">
            {t('agentsOnly.title')}
          </Title>
          <Text>{t('agentsOnly.body', { name: user?.name ?? '' })}</Text>
          <Button variant="default" onClick={() => void signOut()}>
            {t('shell.signOut')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
