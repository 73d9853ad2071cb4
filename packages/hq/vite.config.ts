import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The HQ builds itself, apart from the till (electron-vite): one Node ESM file, packages/hq/dist/hq.js,
// that `npm run hq`, npm start's demo HQ and the tests run. Its dependencies (fastify, pg, PGlite, …)
// stay external and come from node_modules, so none of them can end up in the till's out/ folder.
export default defineConfig({
  root: here,
  logLevel: 'warn',
  build: {
    ssr: 'src/main.ts',
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rolldownOptions: {
      output: { format: 'es', entryFileNames: 'hq.js' },
    },
  },
});
