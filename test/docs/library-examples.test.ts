/**
 * The ```ts runnable blocks of docs/library.md run, in document order, against two real
 * registries. Each block is written to a module in a temporary folder inside the repository
 * (so the test's TypeScript loader compiles it) with only what docs/library.md says is
 * replaced: `'oci-promote'` → lib/index.ts, the two example hosts → the local registries,
 * `createClient()` → `createClient({ plainHttp: true })`. A block passes when it finishes
 * without throwing and prints what its comments promise; all of them must also typecheck
 * under the repository's strict tsconfig.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { BUSYBOX_LAYOUT, pushLayout } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';
import { fencedBlocks, readDoc, root } from './markdown.js';

const DOC = 'docs/library.md';

/** What a block must print, by the heading it sits under. */
const promised: Record<string, RegExp[]> = {
  Copy: [/^sha256:[0-9a-f]{64} /],
  'Promote, history, rollback': [/ -> sha256:[0-9a-f]{64} hold sha256:/, / rollback latest /],
  'Stage evidence: attest, gated promotion, holds': [/^ERR_HELD /, /latest:moved/],
  Errors: [/^ERR_INVALID_REFERENCE usage$/, /^ERR_FROZEN /],
};

interface Runnable {
  heading: string;
  line: number;
  body: string;
}

function runnableBlocks(text: string): Runnable[] {
  const lines = text.split('\n');
  return fencedBlocks(text)
    .filter((b) => b.info === 'ts runnable')
    .map((b) => {
      const heading = lines
        .slice(0, b.line - 1)
        .reverse()
        .find((l) => l.startsWith('## '));
      return { heading: heading?.slice(3) ?? '', line: b.line, body: b.body };
    });
}

t.test('docs/library.md: the runnable examples run against local registries', async (t) => {
  const blocks = runnableBlocks(readDoc(DOC));
  t.same(
    blocks.map((b) => b.heading),
    Object.keys(promised),
    'the runnable blocks are the ones this test knows what to expect of',
  );

  const { src, dst } = await twoRegistries(t, 'library-examples');
  await pushLayout(src, BUSYBOX_LAYOUT, 'amd64', 'acme/app', '1.4.2');
  await pushLayout(src, BUSYBOX_LAYOUT, 'arm64', 'acme/app', '1.5.0');

  const dir = await mkdtemp(join(root, 'test', 'docs', '.examples-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const lib = relative(dir, join(root, 'lib', 'index.js'));

  const files: string[] = [];
  for (const [i, block] of blocks.entries()) {
    const source = block.body
      .replaceAll("from 'oci-promote'", `from '${lib}'`)
      .replaceAll('staging.example.com', src.host)
      .replaceAll('prod.example.com', dst.host)
      .replaceAll('createClient()', 'createClient({ plainHttp: true })');
    t.notMatch(source, /example\.com/, `${DOC}:${block.line} uses only the two example hosts`);
    const file = join(dir, `example-${i}.ts`);
    await writeFile(file, `${source}\n`);
    files.push(file);

    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => {
      printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
    try {
      await import(pathToFileURL(file).href);
    } catch (e) {
      t.fail(`${DOC}:${block.line} (${block.heading}) threw: ${(e as Error).stack ?? e}`);
      continue;
    } finally {
      console.log = log;
    }
    t.comment(`${DOC}:${block.line} printed:\n${printed.join('\n')}`);
    for (const expected of promised[block.heading] ?? []) {
      t.ok(
        printed.some((l) => expected.test(l)),
        `${DOC}:${block.line} (${block.heading}) printed a line matching ${expected}`,
      );
    }
  }

  // Types: a strict compile of the examples as written (only the replacements above).
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: relative(dir, join(root, 'tsconfig.json')),
      compilerOptions: { noEmit: true, rootDir: relative(dir, root) },
      include: files.map((f) => relative(dir, f)),
    }),
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typecheck = await promisify(execFile)(process.execPath, [tsc, '-p', dir]).then(
    () => ({ ok: true, out: '' }),
    (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout}${e.stderr}` }),
  );
  t.ok(typecheck.ok, `the examples typecheck${typecheck.out ? `:\n${typecheck.out}` : ''}`);
});
