// Bundles the CLI: entry dist/oci-promote.mjs plus ES module chunks (and the rendered
// top-level help) in dist/oci-promote/.
// Node then loads a few files instead of a few hundred (yargs, undici, pino and our own
// modules), and, split at the dynamic imports (cli/commands/index.ts, cli/bin.ts), only
// the chunks a call needs: `--version` and `--help` load neither undici nor pino, and a
// command loads its own module. The library (`exports`) stays unbundled in dist/lib.
import { execFileSync } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const CHUNKS = 'oci-promote';

const result = await build({
  entryPoints: [{ in: 'dist/cli/bin.js', out: 'oci-promote' }],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: `${CHUNKS}/[name]-[hash]`,
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled CommonJS dependencies call require(); give every chunk one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  // Start-up time, not behaviour: see string-width.mjs (our ASCII help text) and undici.mjs.
  alias: {
    'string-width': './scripts/bundle/string-width.mjs',
    undici: './scripts/bundle/undici.mjs',
  },
  metafile: true,
  logLevel: 'warning',
});

// What every call but `--version` and `--help` loads before its command's own module: the
// entry and main.js with their static imports. It must stay yargs and a few small modules
// of ours; a static import of lib/index.js (undici) or of the logger (pino) from there
// would cost every command, and any error message, the whole library's start-up.
const HELP_PATH =
  /^(dist\/cli\/[\w-]+\.js|dist\/cli\/commands\/index\.js|dist\/lib\/errors\.js|scripts\/bundle\/string-width\.mjs|node_modules\/(yargs|yargs-parser|cliui|y18n|escalade|get-caller-file|wrap-ansi|ansi-styles|strip-ansi|ansi-regex)\/.*)$/;
const outputs = result.metafile.outputs;
const closure = new Set();
const visit = (out) => {
  if (closure.has(out)) return;
  closure.add(out);
  for (const i of outputs[out].imports)
    if (i.kind === 'import-statement' && !i.external) visit(i.path);
};
for (const [out, o] of Object.entries(outputs)) {
  if (o.entryPoint === 'dist/cli/bin.js' || o.entryPoint === 'dist/cli/main.js') visit(out);
}
const heavy = [...closure]
  .flatMap((out) => Object.keys(outputs[out].inputs))
  .filter((i) => !HELP_PATH.test(i));
if (heavy.length > 0) {
  process.stderr.write(
    `scripts/bundle/build.mjs: every command would load ${heavy.slice(0, 5).join(', ')}${heavy.length > 5 ? ', …' : ''}: import it where it is used (await import())\n`,
  );
  process.exit(1);
}

// Chunk names carry a content hash: remove the chunks of earlier builds.
const written = new Set(Object.keys(result.metafile.outputs).map((p) => resolve(p)));
for (const name of await readdir(join('dist', CHUNKS))) {
  const path = resolve('dist', CHUNKS, name);
  if (!written.has(path)) await rm(path);
}

// The top-level --help, rendered once by this bundle: bin.ts prints it without loading
// yargs (the bundled yargs always speaks English and wraps at 100 columns, so the text
// does not depend on where it runs).
const HELP = join('dist', CHUNKS, 'help.txt');
await rm(HELP, { force: true });
await writeFile(
  HELP,
  execFileSync(process.execPath, ['dist/oci-promote.mjs', '--help'], { encoding: 'utf8' }),
);
