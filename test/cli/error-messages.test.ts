// Error messages a newcomer meets (issue 12): each is one line, `oci-promote: error: … [CODE]`,
// its hint agrees with it, and it says what to write instead — the bare command, a tag in
// `--to`, a failed verify, skopeo-style `docker://` and `oci:` references, `login -p`; and no
// help text or hint cites a repository-relative docs/ path (meaningless after npx).
import t, { type Test } from 'tap';
import { hintFor } from '../../cli/exit-codes.js';
import { type CliResult, cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../helpers/seed.js';

const reg = await startRegistry(t);
const cli = await cliEnv(t);
await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', 'amd64');
const h = reg.host;
const good = `${h}/staging/busybox:amd64`;

/** The one stderr line, checked for the prefix and the code. */
function errorLine(t: Test, r: CliResult, code: string, exit: number): string {
  t.equal(r.code, exit, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  t.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  const line = lines[0] ?? '';
  t.match(line, /^oci-promote: error: /);
  t.ok(line.endsWith(`[${code}]`), `ends with [${code}]: ${line}`);
  return line;
}

t.test('bare oci-promote: says "see --help" once', async (t) => {
  const line = errorLine(t, await cli.run([]), 'ERR_USAGE', 2);
  t.equal(line.split('--help').length - 1, 1, line);
});

t.test('promote --to with a tag: the hint agrees (a repository; tags go in --tag)', async (t) => {
  const line = errorLine(
    t,
    await cli.run(['promote', good, '--to', `${h}/prod/busybox:1.0`, '--plain-http']),
    'ERR_INVALID_REFERENCE',
    2,
  );
  t.match(line, /--to takes a repository/);
  t.match(line, /--tag 1\.0/);
  t.notMatch(line, /path\[:tag\]/, 'no hint that a tag may be written there');
});

t.test('verify failure: error: prefix and [ERR_VERIFY_FAILED]', async (t) => {
  const other = `sha256:${'0'.repeat(64)}`;
  const line = errorLine(
    t,
    await cli.run(['verify', good, '--digest', other, '--plain-http']),
    'ERR_VERIFY_FAILED',
    4,
  );
  t.match(line, /verify failed/);
});

t.test('skopeo-style references get a hint', async (t) => {
  const docker = errorLine(
    t,
    await cli.run(['copy', `docker://${good}`, `${h}/prod/x:1`, '--plain-http']),
    'ERR_INVALID_REFERENCE',
    2,
  );
  t.match(docker, /drop the "docker:\/\/" prefix/);
  t.match(docker, good, 'shows the reference to write');
  const oci = errorLine(
    t,
    await cli.run(['copy', good, 'oci:/tmp/layout:1.0', '--plain-http']),
    'ERR_INVALID_REFERENCE',
    2,
  );
  t.match(oci, /oci-layout:\/tmp\/layout:1\.0/, 'names the oci-layout: form');
  t.notMatch(oci, /not a valid host/);
});

t.test('login -p points to --password-stdin and never echoes the password', async (t) => {
  for (const flag of ['-p', '--password']) {
    const r = await cli.run(['login', h, '-u', 'alice', flag, 'hunter2']);
    const line = errorLine(t, r, 'ERR_USAGE', 2);
    t.match(line, /--password-stdin/);
    t.notMatch(line, /Unknown argument/);
    t.notMatch(`${r.stdout}${r.stderr}`, /hunter2/);
  }
  t.equal(await cli.readDockerConfig(), undefined, 'nothing stored');
});

const RELATIVE_DOCS = /(^|[^/\w])docs\/[\w-]+\.md/;

t.test('help texts and hints cite no repository-relative docs/ path', async (t) => {
  const help = await cli.run(['--help']);
  t.notMatch(help.stdout, RELATIVE_DOCS, 'top-level --help');
  t.match(help.stdout, /https:\/\/\S+\/docs\/cli\.md/, 'the docs as a URL');
  for (const c of ['copy', 'promote', 'rollback', 'prune', 'tags', 'verify', 'login']) {
    const r = await cli.run([c, '--help']);
    t.equal(r.code, 0);
    t.notMatch(r.stdout, RELATIVE_DOCS, `${c} --help`);
  }
  for (const code of ['ERR_POLICY', 'ERR_UNSAFE_LAYOUT', 'ERR_USAGE', 'ERR_NETWORK']) {
    t.notMatch(hintFor(code) ?? '', RELATIVE_DOCS, `${code} hint`);
  }
});

t.test(
  'promote --help: --to is not required (--from-file takes targets from the file)',
  async (t) => {
    const r = await cli.run(['promote', '--help']);
    t.equal(r.code, 0);
    const to = r.stdout.split('\n').find((l) => /^\s+--to\b/.test(l)) ?? '';
    t.notMatch(to, /required/);
    t.match(r.stdout, /promote <src> --to <repo>/);
    t.match(r.stdout, /promote --from-file <file>/);
  },
);
