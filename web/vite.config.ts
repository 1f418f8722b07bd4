import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the app with hot reload and hands every server address to a running
// Parley (PARLEY_URL, default http://localhost:3000), so the session cookie stays same-origin.
const target = process.env.PARLEY_URL ?? 'http://localhost:3000';
const proxied = ['/api', '/slack', '/sandbox', '/setup', '/healthz', '/attachments'];

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // Budget: the initial JavaScript stays under 300 KB gzipped (docs/web.md); minified, the
  // entry chunk (React, Mantine, the router, i18n) is about 600 KB.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target, changeOrigin: false }])),
  },
});
