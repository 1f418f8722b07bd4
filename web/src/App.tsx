import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { AgentsOnly } from './pages/AgentsOnly.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Shell } from './components/Shell.tsx';
import { useSession } from './session.tsx';

// Loaded when first opened: the sign-in page needs neither.
const ViewPage = lazy(() => import('./pages/ViewPage.tsx'));
const TicketPage = lazy(() => import('./pages/TicketPage.tsx'));
const FirstView = lazy(() => import('./pages/FirstView.tsx'));
const SearchPage = lazy(() => import('./search/SearchPage.tsx'));
// Admin pages (web/src/admin/): loaded only by admins who open them.
const AdminArea = lazy(() => import('./admin/AdminArea.tsx'));

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
