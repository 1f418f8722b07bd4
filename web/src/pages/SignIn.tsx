import {
  Alert,
  Anchor,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { useSession } from '../session.tsx';

export function SignIn() {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(t('signIn.tooMany'));
      else if (err instanceof ApiError && err.status < 500) setError(t('signIn.wrong'));
      else setError(t('common.failed'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={1} size="h2">
              {t('signIn.title')}
            </Title>
            {error && (
              <Alert color="red" role="alert" title={t('signIn.failedTitle')}>
                {error}
              </Alert>
            )}
            <TextInput
              label={t('signIn.email')}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
            />
            <PasswordInput
              label={t('signIn.password')}
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={busy}>
              {t('signIn.submit')}
            </Button>
            <Text size="sm" c="gray.7">
              {t('signIn.firstRun')} <Anchor href="/setup">{t('signIn.setupLink')}</Anchor>
            </Text>
            <LanguageSwitch />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
