// Playwright's global setup: the end-to-end tests run the built till harness (out/) and, for the
// paired-sync spec, the built HQ (packages/hq/dist/hq.js), which is a separate build.
import { buildIfNeeded } from './build-if-needed.mjs';

export default function globalSetup() {
  buildIfNeeded({ only: ['till', 'hq'] });
}
