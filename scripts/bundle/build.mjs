// Bundles the CLI into one ES module, dist/oci-promote.mjs: Node then loads one file
// instead of a few hundred (yargs, undici, pino and our own modules), which halves the
// start-up time of every command. The library (`exports`) stays unbundled in dist/lib.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/bin.js'],
  outfile: 'dist/oci-promote.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled CommonJS dependencies call require(); give them one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  // See string-width.mjs: start-up time, not behaviour, for our ASCII help text.
  alias: { 'string-width': './scripts/bundle/string-width.mjs' },
  logLevel: 'warning',
});
