// node --import ./register.mjs out/main/index.js: runs the built main bundle with `electron`
// replaced by ./electron.mjs, so the real bundle (paths, imports, startup order) runs in plain Node.
import { register } from 'node:module';

register('./loader.mjs', import.meta.url);
