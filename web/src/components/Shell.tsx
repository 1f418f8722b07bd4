import { AppShell, Box, Button, Group, Menu, Title } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { startTransition, useEffect, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { LANGUAGES } from '../i18n.ts';
import { LanguageSaveFailed, useLanguageChoice } from '../profile/language.tsx';
import { SearchBox } from '../search/SearchBox.tsx';
import { useSession } from '../session.tsx';
import { StartConversationButton } from '../start/StartConversationButton.tsx';
import { ViewsSidebar } from './ViewsSidebar.tsx';
import { Shortcuts } from '../ticket/composer/Shortcuts.tsx';
import { AdminNavLink } from '../admin/AdminNavLink.tsx';
import { NotificationBell } from '../notify/NotificationBell.tsx';

/**
 * Whether the header's widgets (search box, New conversation, the bell) are mounted: not in
 * the first render, which draws the shell and the page, but right after it, in a transition
 * (interruptible, so the page's own updates come first). Ctrl+K pressed before then mounts
 * them at once and focuses the search box.
 */
function useHeaderWidgets(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    startTransition(() => setReady(true));
  }, []);
  useHotkeys(
    ready
      ? []
      : [
          [
            'mod+K',
            () => {
              flushSync(() => setReady(true));
              document.querySelector<HTMLInputElement>('[data-header-search] input')?.focus();
            },
          ],
        ],
  );
  return ready;
}

/** The search box's width (search/SearchBox.tsx), kept while it is not mounted yet. */
const SEARCH_WIDTH = 420;

export function Shell({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const { user, signOut } = useSession();
  const language = useLanguageChoice();
  const widgets = useHeaderWidgets();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 260, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={1} size="h3">
            <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }}>
              {t('shell.product')}
            </Link>
          </Title>
          <Group gap="sm" wrap="nowrap" style={{ flex: 1 }} justify="center">
            {widgets ? (
              <>
                <div data-header-search>
                  <SearchBox />
                </div>
                <StartConversationButton />
              </>
            ) : (
              <Box w={SEARCH_WIDTH} />
            )}
          </Group>
          <LanguageSaveFailed failed={language.failed} retry={language.retry} />
          {widgets && <NotificationBell />}
          {/* No focus placeholder: the first item takes the focus on open (the menu button
              pattern), and the menu holds only items, groups and separators (axe-core). */}
          <Menu position="bottom-end" withinPortal withInitialFocusPlaceholder={false}>
            <Menu.Target>
              <Button variant="default" aria-label={t('shell.userMenu', { name: user?.name })}>
                {user?.name}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <div role="group" aria-labelledby="user-menu-language">
                <Menu.Label id="user-menu-language" c="gray.7">
                  {t('shell.language')}
                </Menu.Label>
                {LANGUAGES.map((l) => (
                  <Menu.Item
                    key={l.code}
                    lang={l.code}
                    onClick={() => language.choose(l.code)}
                    aria-current={i18n.resolvedLanguage === l.code ? 'true' : undefined}
                  >
                    {l.label}
                  </Menu.Item>
                ))}
              </div>
              <Menu.Divider role="separator" />
              {/* red.9: Mantine's red text is 3.3:1 on white; this is above 4.5:1. */}
              <Menu.Item color="red.9" onClick={() => void signOut()}>
                {t('shell.signOut')}
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" component="nav" aria-label={t('views.title')}>
        <ViewsSidebar />
        <AdminNavLink />
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
      <Shortcuts />
    </AppShell>
  );
}
