import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          // The Electron shell, and the test harness that binds the same router to loopback HTTP
          // (electron-builder.yml leaves harness.js out of the package). Nothing else: the HQ
          // (packages/hq) and the benches (bench/vite.config.ts) build on their own, so none of
          // their code can land in a shared chunk under out/main, which ships.
          index: resolve('src/main/electron/main.ts'),
          harness: resolve('src/harness/server/main.ts'),
          // The sync worker thread: HQ pages and snapshots are written off the main thread.
          'sync-worker': resolve('src/main/sync/worker/sync-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be one CommonJS file with no require() of node_modules.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rolldownOptions: {
        input: {
          index: resolve('src/renderer/index.html'),
          // The harness bridge plays the preload's part when the renderer runs in plain Chromium.
          'harness-bridge': resolve('src/harness/bridge/bridge.ts'),
        },
        output: {
          entryFileNames: (chunk) =>
            chunk.name === 'harness-bridge' ? 'harness/bridge.js' : 'assets/[name]-[hash].js',
        },
      },
    },
  },
});
