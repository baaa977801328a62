#!/usr/bin/env node
// `npm run build:main`: bundles the Electron main process (ESM) and the sandboxed preload
// (CommonJS, one file: sandboxed preloads cannot load other files) into dist-electron/.
// Only `electron` and the N-API keychain module stay external; better-sqlite3 is server-only
// and never reachable from main (the build fails if it ever is).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist-electron');
rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
};

await build({
  ...common,
  entryPoints: [join(root, 'main', 'main.ts')],
  outfile: join(out, 'main', 'main.js'),
  format: 'esm',
  external: ['electron', '@napi-rs/keyring'],
  // Some bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __hesoCreateRequire } from 'node:module'; const require = __hesoCreateRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'no-server-modules',
      setup(b) {
        b.onResolve({ filter: /^(better-sqlite3|fastify)$/ }, (args) => ({
          errors: [
            {
              text: `${args.path} is server-only and must not be bundled into the Electron main process (imported by ${args.importer})`,
            },
          ],
        }));
      },
    },
  ],
});

await build({
  ...common,
  entryPoints: [join(root, 'main', 'preload.ts')],
  outfile: join(out, 'preload', 'preload.cjs'),
  format: 'cjs',
  external: ['electron'],
});

mkdirSync(join(out, 'assets'), { recursive: true });
cpSync(join(root, 'main', 'assets'), join(out, 'assets'), { recursive: true });
console.log('built dist-electron/main/main.js and dist-electron/preload/preload.cjs');
