import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// npm run bench: the benches build apart from the till (electron-vite builds only what ships, plus the
// test harness) into bench/dist/, so neither their code nor the HQ code they start can reach a till
// package. The sync worker is built here too (the snapshot bench starts ./sync-worker.js next to
// itself), and the bench-only ingest worker the counter bench starts (./ingest-worker.js).
export default defineConfig({
  root: here,
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    rolldownOptions: {
      input: {
        bench: `${here}counter-bench.ts`,
        'hq-bench': `${here}hq-bench.ts`,
        'hq-scale-bench': `${here}hq-scale-bench.ts`,
        summary: `${here}summary.ts`,
        'snapshot-bench': `${here}snapshot-bench.ts`,
        'console-bench': `${here}console-bench.ts`,
        'privacy-bench': `${here}privacy-bench.ts`,
        'detection-bench': `${here}detection-bench.ts`,
        'sync-worker': fileURLToPath(new URL('../src/main/sync/worker/sync-worker.ts', import.meta.url)),
        'ingest-worker': `${here}ingest-worker.ts`,
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
