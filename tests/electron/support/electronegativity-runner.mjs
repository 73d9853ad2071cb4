/**
 * Runs Electronegativity programmatically in its own process (it registers globals and may try the
 * network for translations). Writes SARIF to the given file and prints the files it could not
 * parse as JSON on stdout: the SARIF output silently leaves those out, so the test must see them.
 *
 * usage: node electronegativity-runner.mjs '<json options>'
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const options = JSON.parse(process.argv[2] ?? '{}');
const require = createRequire(import.meta.url);
const runnerPath = require.resolve('@doyensec/electronegativity/dist/runner.js');
// The tool asks `got` for updated translations. On Node 24 a got request that times out throws from a
// timer (p-cancelable: "onCancel handler was attached after the promise settled") instead of rejecting,
// which kills this process. Translations are not needed: `got` answers as failed at once, and the tool
// falls back to its bundled English ("Could not retrieve updated translations").
const gotPath = createRequire(runnerPath).resolve('got');
require.cache[gotPath] = {
  id: gotPath,
  filename: gotPath,
  loaded: true,
  exports: () => Promise.reject(new Error('translations are not fetched in tests')),
};
const loaded = await import(pathToFileURL(runnerPath).href);
const run = typeof loaded.default === 'function' ? loaded.default : loaded.default.default;

const result = await run({
  input: options.input,
  output: options.output,
  isSarif: true,
  customScan: options.checks ?? [],
  excludeFromScan: options.excludeChecks ?? [],
  isRelative: true,
  electronVersionOverride: options.electronVersion,
});

process.stdout.write(
  `\n@@RESULT@@${JSON.stringify({
    globalChecks: result.globalChecks,
    atomicChecks: result.atomicChecks,
    errors: result.errors,
    issues: result.issues.length,
  })}\n`,
);
