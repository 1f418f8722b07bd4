import { Center, Loader } from '@mantine/core';
import { createElement, lazy, Suspense, type ComponentType } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { AgentsOnly } from './pages/AgentsOnly.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Shell } from './components/Shell.tsx';
import { useSession } from './session.tsx';

/**
 * A page loaded on first use, but asked for early: the one the address names while the session
 * is checked, the others once the first page is up. A page whose code is already here renders
 * at once; one that suspends is revealed only after React's fallback throttle (~300 ms), which
 * would cost every first visit more than the page's own data.
 */
function page<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  let ready: ComponentType<P> | null = null;
  let loading: Promise<{ default: ComponentType<P> }> | null = null;
  const preload = () =>
    (loading ??= load().then((m) => {
      ready = m.default;
      return m;
    }));
  const Lazy = lazy(preload);
  function Page(props: P) {
    return ready ? createElement(ready, props) : createElement(Lazy, props);
  }
  return Object.assign(Page, { preload });
}

const ViewPage = page(() => import('./pages/ViewPage.tsx'));
const TicketPage = page(() => import('./pages/TicketPage.tsx'));
const FirstView = page(() => import('./pages/FirstView.tsx'));
const SearchPage = page(() => import('./search/SearchPage.tsx'));
// Admin pages (web/src/admin/): loaded only by admins who open them.
const AdminArea = page(() => import('./admin/AdminArea.tsx'));

/** The pages an agent opens all day, by the address that shows them. */
const AGENT_PAGES: [RegExp, { preload(): Promise<unknown> }][] = [
  [/^\/tickets\//, TicketPage],
  [/^\/views\/./, ViewPage],
  [/^\/(views)?$/, FirstView],
  [/^\/search/, SearchPage],
];

function preloadPages(): Promise<unknown> {
  const here = AGENT_PAGES.find(([path]) => path.test(location.pathname));
  const first = here ? here[1].preload() : Promise.resolve();
  // Then the view and ticket pages, so the first click on a ticket does not wait for its code.
  void first.finally(() => {
    void ViewPage.preload();
    void TicketPage.preload();
  });
  return first.catch(() => {});
}

/** The page the address names, loaded (or failed to): main.tsx may wait for it to render. */
export const addressedPage: Promise<unknown> = location.pathname.startsWith('/sign-in')
  ? Promise.resolve()
  : preloadPages();

function Loading() {
  const { t } = useTranslation();
  return (
    <Center h="100vh">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}

export function App() {
  const { user, loading } = useSession();
  if (loading) return <Loading />;
  if (!user) {
    return (
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="*" element={<Navigate to="/sign-in" replace />} />
      </Routes>
    );
  }
  if (user.role === 'end-user') return <AgentsOnly />;
  return (
    <Shell>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<FirstView />} />
          <Route path="/sign-in" element={<Navigate to="/" replace />} />
          <Route path="/views" element={<FirstView />} />
          <Route path="/views/:id" element={<ViewPage />} />
          <Route path="/tickets/:id" element={<TicketPage />} />
          <Route path="/search" element={<SearchPage />} />
          <Route path="/admin/*" element={<AdminArea />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}
