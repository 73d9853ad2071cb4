import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The HQ console's unit tests (pure logic: the API client, reducers, routes, i18n key parity), run
// in Node like tests/unit. Until the root vitest.config.ts includes tests/hq-console, run them with
// `npx vitest run --config tests/hq-console/vitest.config.ts`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/hq-console/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
  },
});
