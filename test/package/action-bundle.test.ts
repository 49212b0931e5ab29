// The action (action.yml) runs the bundle committed in action-dist/, as docker/* actions run
// their committed dist/: no npm install on the runner. Here a fresh build from the sources
// (scripts/bundle/build.mjs into a temporary folder) must equal the committed files, name
// for name and byte for byte, so a change to cli/ or lib/ without `npm run build:action`
// fails CI instead of shipping a stale action.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const COMMITTED = join(root, 'action-dist');
const FIX = 'run `npm run build:action` and commit action-dist/';

/** files lists the files under dir, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

t.test('the committed action bundle is what a fresh build produces', async (t) => {
  const fresh = await mkdtemp(join(tmpdir(), 'oci-promote-action-dist-'));
  t.teardown(() => rm(fresh, { recursive: true, force: true }));
  await execFileAsync(
    process.execPath,
    [join(root, 'scripts', 'bundle', 'build.mjs'), '--outdir', fresh],
    { cwd: tmpdir() },
  );

  const built = await files(fresh);
  const committed = await files(COMMITTED);
  t.ok(built.includes('oci-promote.mjs'), 'the build wrote the entry');
  t.ok(built.includes('oci-promote/help.txt'), 'and the rendered help');
  t.strictSame(committed, built, `action-dist/ has exactly the files of a fresh build: ${FIX}`);
  const differ: string[] = [];
  for (const f of built.filter((f) => committed.includes(f))) {
    const [a, b] = await Promise.all([readFile(join(fresh, f)), readFile(join(COMMITTED, f))]);
    if (!a.equals(b)) differ.push(f);
  }
  t.strictSame(differ, [], `no committed file differs from the fresh build: ${FIX}`);
  // A path of this checkout or of the output folder would differ on every machine.
  for (const f of built) {
    const text = await readFile(join(fresh, f), 'utf8');
    t.notOk(text.includes(root) || text.includes(fresh), `${f} names no absolute path`);
  }
  const mode = (await stat(join(COMMITTED, 'oci-promote.mjs'))).mode;
  t.ok(mode & 0o100, 'the entry is executable (it starts with #!/usr/bin/env node)');
});
