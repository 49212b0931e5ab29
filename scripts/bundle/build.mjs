// Bundles the CLI from its TypeScript sources: an entry `oci-promote.mjs` plus ES module
// chunks (and the rendered top-level help) in `oci-promote/` next to it.
//
//   node scripts/bundle/build.mjs                      -> dist/ (the npm package's bin)
//   node scripts/bundle/build.mjs --outdir action-dist -> the bundle the action runs (committed)
//
// Node then loads a few files instead of a few hundred (yargs, undici, pino and our own
// modules), and, split at the dynamic imports (cli/commands/index.ts, cli/bin.ts), only
// the chunks a call needs: `--version` and `--help` load neither undici nor pino, and a
// command loads its own module. The library (`exports`) stays unbundled in dist/lib (tsc).
//
// The output depends only on the sources, node_modules and esbuild's version: paths in it
// are relative to the repository root whatever the output folder, chunk names are content
// hashes, and nothing records a time — so a fresh build can be compared file by file with
// the committed action-dist/ (test/package/action-bundle.test.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHUNKS = 'oci-promote';
const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = resolve(values.outdir);
await mkdir(join(outdir, CHUNKS), { recursive: true });

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: [{ in: 'cli/bin.ts', out: 'oci-promote' }],
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: `${CHUNKS}/[name]-[hash]`,
  splitting: true,
  // Start-up: V8 decodes and parses every byte of a chunk it loads; without whitespace
  // and with shorter syntax the library chunk is a third smaller (names are kept, so
  // stack traces stay readable).
  minifyWhitespace: true,
  minifySyntax: true,
  // Every chunk pure ASCII (checked below): a single other character, say in a licence
  // comment, makes Node decode the whole file as UTF-8 and V8 scan it as two-byte text.
  // The dependencies' licence comments go to oci-promote/*.LEGAL.txt instead.
  charset: 'ascii',
  legalComments: 'external',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  // Bundled CommonJS dependencies call require(); give every chunk one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  // Start-up time, not behaviour: see string-width.mjs (our ASCII help text), undici.mjs
  // and no-http2.cjs.
  alias: {
    'string-width': './scripts/bundle/string-width.mjs',
    undici: './scripts/bundle/undici.mjs',
    'node:http2': './scripts/bundle/no-http2.cjs',
  },
  metafile: true,
  logLevel: 'warning',
});

// What every call but `--version` and `--help` loads before its command's own module: the
// entry and main.ts with their static imports. It must stay yargs and a few small modules
// of ours; a static import of lib/index.ts (undici) or of the logger (pino) from there
// would cost every command, and any error message, the whole library's start-up.
const HELP_PATH =
  /^(cli\/[\w-]+\.ts|cli\/commands\/index\.ts|lib\/errors\.ts|scripts\/bundle\/string-width\.mjs|node_modules\/(yargs|yargs-parser|cliui|y18n|escalade|get-caller-file|wrap-ansi|ansi-styles|strip-ansi|ansi-regex)\/.*)$/;
const outputs = result.metafile.outputs;
const closure = new Set();
const visit = (out) => {
  if (closure.has(out)) return;
  closure.add(out);
  for (const i of outputs[out].imports)
    if (i.kind === 'import-statement' && !i.external) visit(i.path);
};
for (const [out, o] of Object.entries(outputs)) {
  if (o.entryPoint === 'cli/bin.ts' || o.entryPoint === 'cli/main.ts') visit(out);
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

const wide = Object.keys(outputs).filter(
  (out) => out.endsWith('.mjs') && /[^\x00-\x7f]/.test(readFileSync(resolve(ROOT, out), 'latin1')),
);
if (wide.length > 0) {
  process.stderr.write(
    `scripts/bundle/build.mjs: not ASCII: ${wide.join(', ')} (write the character as an escape)\n`,
  );
  process.exit(1);
}

// Chunk names carry a content hash: remove the chunks of earlier builds.
const written = new Set(Object.keys(outputs).map((p) => resolve(ROOT, p)));
for (const name of await readdir(join(outdir, CHUNKS))) {
  const path = join(outdir, CHUNKS, name);
  if (!written.has(path)) await rm(path);
}

// The top-level --help, rendered once by this bundle: bin.ts prints it without loading
// yargs (the bundled yargs always speaks English and wraps at 100 columns, so the text
// does not depend on where it runs).
const HELP = join(outdir, CHUNKS, 'help.txt');
await rm(HELP, { force: true });
await writeFile(
  HELP,
  execFileSync(process.execPath, [join(outdir, 'oci-promote.mjs'), '--help'], {
    encoding: 'utf8',
  }),
);
