// SIGINT / SIGTERM in the middle of a promotion, against real registries: the CLI process
// (cli/bin.ts, spawned with the TypeScript loader tap uses) stops, prints one line
// "interrupted by SIG…" (no stack trace), exits 130 / 143, has written no tag, and a
// re-run completes. The source sits behind the fault proxy, which trickles blob bodies so
// that the signal lands while blobs are being copied. A command stuck where no abort
// reaches (reading stdin that never ends) exits at the second signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { writeRandomImage } from '../helpers/random.js';
import { blobExists, headManifest, listTags, pushLayout } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const root = join(import.meta.dirname, '..', '..');
const { src, dst, cli, work } = await twoRegistries(t, 'interrupt');
const proxy = await startFaultProxy(t, src, { seed: 14 });
const img = await writeRandomImage(join(work, 'img'), {
  seed: 'interrupt',
  layers: 3,
  layerSize: 512 * 1024,
  format: 'raw',
  tag: 'v1',
});
await pushLayout(src, img.dir, 'v1', 'staging/app');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** spawnCli runs `oci-promote <args>` in a process of its own, from the TypeScript sources. */
function spawnCli(t: Test, args: string[]): Run {
  const child = spawn(
    process.execPath,
    ['--import', '@tapjs/typescript/import', join(root, 'cli', 'bin.ts'), ...args],
    { cwd: root, env: { ...cli.env, TS_NODE_TRANSPILE_ONLY: '1' }, stdio: 'pipe' },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** until polls `ok` every 50 ms, for at most 60 s; then it fails, showing the run's stderr. */
async function until(run: Run, what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await ok()) return;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never saw ${what}; the CLI printed: ${run.stderr()}`);
}

/** Every blob body from the source trickles: 8 KiB every 100 ms (512 KiB take ~6 s). */
function trickleBlobs(): void {
  proxy.clearRules();
  proxy.addRule({
    name: 'trickle',
    method: 'GET',
    path: /\/blobs\/sha256:/,
    action: { type: 'slow', stallMs: 100, chunkBytes: 8 * 1024 },
  });
}

const promoteArgs = (repo: string) => [
  'promote',
  '--plain-http',
  `${proxy.host}/staging/app:v1`,
  '--to',
  `${dst.host}/${repo}`,
];

for (const [signal, code, json] of [
  ['SIGINT', 130, false],
  ['SIGTERM', 143, true],
] as const) {
  t.test(
    `${signal} mid-copy: exit ${code}, "interrupted", no tag written; a re-run completes`,
    { timeout: 120_000 },
    async (t) => {
      const repo = `prod/${signal.toLowerCase()}`;
      trickleBlobs();
      proxy.clearRecords();
      const run = spawnCli(t, [...promoteArgs(repo), ...(json ? ['--json'] : [])]);
      // The small config blob gets through; the layers trickle when the signal comes.
      await until(run, 'the config at the destination', () =>
        blobExists(dst, repo, img.config.digest),
      );
      t.ok(
        proxy.injected.some((f) => f.rule === 'trickle'),
        'layers are being copied',
      );
      run.child.kill(signal);
      const exit = await run.exited;
      t.same(exit, { code, signal: null }, `exit ${code}: ${run.stderr()}`);
      const lines = run.stderr().split('\n').filter(Boolean);
      t.match(lines.at(-1), new RegExp(`^oci-promote: error: interrupted by ${signal}\\b`));
      t.match(lines.at(-1), /\[ERR_INTERRUPTED\]$/);
      t.notMatch(run.stderr(), /^\s+at /m, 'no stack trace');
      if (json) {
        t.same(JSON.parse(run.stdout()), {
          error: { code: 'ERR_INTERRUPTED', message: `interrupted by ${signal}` },
        });
      } else t.equal(run.stdout(), '', 'nothing on stdout');
      t.same(await listTags(dst, repo), [], 'no tag written');
      t.equal(await headManifest(dst, repo, img.digest), undefined, 'no manifest either');

      proxy.clearRules();
      const again = await cli.run([...promoteArgs(repo), '--json']);
      t.equal(again.code, 0, again.stderr);
      t.equal(again.json().digest, img.digest);
      t.same(
        again.json().copy.blobs,
        // Into a repository without tags, blobs of at most 64 KiB go up without a HEAD
        // (docs/promotion.md): the config that had arrived is sent again.
        { copied: 4, mounted: 0, skipped: 0 },
        'the re-run sends what the interrupted one did not finish',
      );
      t.ok((await listTags(dst, repo)).includes('v1'), 'the re-run promoted it');
    },
  );
}

/**
 * readingStdin tells whether the process has opened its standard input for reading: Node
 * switches the pipe to non-blocking mode then (Linux shows it in /proc/PID/fdinfo/0). The
 * CLI does so only after its signal handlers are in place.
 */
async function readingStdin(pid: number): Promise<boolean> {
  const info = await readFile(`/proc/${pid}/fdinfo/0`, 'utf8').catch(() => '');
  const flags = /^flags:\s*([0-7]+)$/m.exec(info)?.[1];
  return flags !== undefined && (Number.parseInt(flags, 8) & 0o4000) !== 0;
}

t.test(
  'a second signal exits at once, even where no abort reaches',
  { timeout: 60_000 },
  async (t) => {
    // login reads the password from stdin, which stays open and silent: the first SIGINT
    // aborts the command, but a read of stdin does not end on an abort.
    const run = spawnCli(t, ['login', '--plain-http', dst.host, '-u', 'alice', '--password-stdin']);
    await until(run, 'stdin read', () => readingStdin(run.child.pid as number));
    run.child.kill('SIGINT');
    const first = await Promise.race([
      run.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000)),
    ]);
    if (first === undefined) run.child.kill('SIGINT');
    const exit = await run.exited;
    t.same(exit, { code: 130, signal: null }, run.stderr());
    t.match(run.stderr(), /^oci-promote: error: interrupted by SIGINT/m);
    t.notMatch(run.stderr(), /^\s+at /m, 'no stack trace');
    run.child.stdin?.destroy();
  },
);
