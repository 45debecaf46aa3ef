import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Paths from this file, not from the working directory: the build is started from the
// repository root (npm scripts, tests) as often as from here.
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    // Fluent UI is one large dependency; a single vendor chunk is expected, not a warning.
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    // `npm run web:dev`: the API stays on the Keyward server; Vite only serves the UI.
    proxy: { '/v1': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
