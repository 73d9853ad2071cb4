// Lets a kill test's child script run the app's TypeScript sources directly on Node 24 (its
// built-in type stripping): extensionless relative imports resolve to the .ts file, as the
// bundler resolves them. Used as `node --import ./tests/support/ts-child-loader.mjs child.ts`.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && !/\\.[cm]?[jt]s$|\\.json$/.test(specifier)) {
    for (const ext of ['.ts', '/index.ts']) {
      const url = new URL(specifier + ext, context.parentURL);
      if (existsSync(fileURLToPath(url))) return next(url.href, context);
    }
  }
  return next(specifier, context);
}`),
  import.meta.url,
);
