import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The dev server proxies the API and WebDAV to a Coffer started with `npm run dev` (port 8080).
const backend = process.env.COFFER_DEV_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 450 },
  // A public link's bytes (/s/<token>/download, /files, /folders) come from the server; its page /s/<token> is the app.
  server: { proxy: { '/api': backend, '/dav': backend, '^/s/[^/]+/(download|files|folders)(/|$|\\?)': backend } },
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    css: false,
  },
});
