import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the real renderer in Debian's Chromium, through the test harness (the real
 * router and services on loopback). Playwright cannot download browsers here, so the system
 * Chromium is used; CHROMIUM_PATH overrides where it lives.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  // Builds the till and the HQ package if their sources changed (two separate builds).
  globalSetup: './scripts/playwright-global-setup.mjs',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    browserName: 'chromium',
    locale: 'en-GB',
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
});
