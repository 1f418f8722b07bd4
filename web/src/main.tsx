// First: its requests start before the rest of the app's code runs.
import { queryClient as client } from './boot.ts';
import './styles/initial.ts';
import { createTheme, MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import './i18n.ts';
import { addressedPage, App } from './App.tsx';
import { LiveProvider } from './live/LiveProvider.tsx';
import { SessionProvider, sessionQuery } from './session.tsx';

// Darker shades than Mantine's default 6, and text colour picked per background: links, the
// open view and status badges then pass WCAG AA contrast (axe-core checks in test/web).
const theme = createTheme({ primaryShade: 8, autoContrast: true });

function render(): void {
  createRoot(document.getElementById('root')!).render(<Root />);
}

function Root() {
  return (
    <StrictMode>
      <MantineProvider theme={theme}>
        <QueryClientProvider client={client}>
          <SessionProvider>
            <BrowserRouter>
              <LiveProvider>
                <App />
              </LiveProvider>
            </BrowserRouter>
          </SessionProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>
  );
}

// With the session in the page (web-boot), the app could render before the page's code is
// here: the page would suspend, be rendered again in 5 ms slices, and be revealed only after
// React's fallback throttle (~300 ms). So the first render waits for the page's chunk (cached
// after the first visit), then draws shell and page in one pass. Signed out, nothing waits.
if (client.getQueryData(sessionQuery.queryKey)) void addressedPage.finally(render);
else render();
