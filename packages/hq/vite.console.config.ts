import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The HQ console: a static React app the HQ serves at /console/ from dist/console, under a CSP that
// allows only 'self' (no inline script or style, no data: URLs). Built after vite.config.ts, whose
// emptyOutDir would otherwise remove it.
export default defineConfig({
  root: `${here}console`,
  base: '/console/',
  logLevel: 'warn',
  plugins: [react()],
  build: {
    outDir: `${here}dist/console`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Every asset a file under /console/assets: a data: URL would be refused by the CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // One file for React, i18next, zod and the pages (about 500 kB, 150 kB gzipped): an operator's
    // desk browser loads it once.
    chunkSizeWarningLimit: 800,
  },
});
