// First: its requests start before the rest of the app's code runs.
import { queryClient as client } from './boot.ts';
import './styles/initial.ts';
import { createTheme, MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import './i18n.ts';
import { App } from './App.tsx';
import { LiveProvider } from './live/LiveProvider.tsx';
import { SessionProvider } from './session.tsx';

// Darker shades than Mantine's default 6, and text colour picked per background: links, the
// open view and status badges then pass WCAG AA contrast (axe-core checks in test/web).
const theme = createTheme({ primaryShade: 8, autoContrast: true });

createRoot(document.getElementById('root')!).render(
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
  </StrictMode>,
);
