// Bad input through the CLI: malformed references are refused with exit 2 and
// ERR_INVALID_REFERENCE before any request; missing tags exit 1 with ERR_NOT_FOUND; usage
// errors exit 2; with --json, stdout is exactly one `{"error":{"code","message"}}`.
import t, { type Test } from 'tap';
import { type CliResult, cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, listTags, pushLayout } from '../helpers/seed.js';

const reg = await startRegistry(t);
const cli = await cliEnv(t);
const image = await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', 'amd64');
const good = `${reg.host}/staging/busybox:amd64`;
const h = reg.host;

/** stdout is one JSON document, exactly `{"error":{"code","message"}}`, with this code. */
function errorDocument(t: Test, r: CliResult, code: string): string {
  const doc = r.json();
  t.same(Object.keys(doc), ['error'], 'only "error" at the top');
  t.same(Object.keys(doc.error), ['code', 'message'], 'error has code and message');
  t.equal(doc.error.code, code);
  t.type(doc.error.message, 'string');
  return doc.error.message as string;
}
/** stderr is exactly one line: `oci-promote: error: … [CODE]`. */
function oneErrorLine(t: Test, r: CliResult, code: string): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  t.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  t.match(lines[0], /^oci-promote: error: /);
  t.ok(lines[0]!.endsWith(`[${code}]`), `ends with [${code}]`);
}

const malformed: Array<[string, string]> = [
  ['uppercase repository', `${h}/Staging/busybox:amd64`],
  ['".." path component', `${h}/staging/../busybox:amd64`],
  ['empty path component', `${h}/staging//busybox:amd64`],
  ['percent-encoded slash', `${h}/staging%2fbusybox:amd64`],
  ['short digest', `${h}/staging/busybox@sha256:abc`],
  ['uppercase digest hex', `${h}/staging/busybox@sha256:${'A'.repeat(64)}`],
  ['unknown digest algorithm', `${h}/staging/busybox@md5:${'a'.repeat(32)}`],
  ['129-character tag', `${h}/staging/busybox:${'a'.repeat(129)}`],
  ['tag starting with "."', `${h}/staging/busybox:.hidden`],
  ['space in the name', `${h}/staging/busy box:amd64`],
];

t.test('malformed references: exit 2, ERR_INVALID_REFERENCE, no request sent', async (t) => {
  await reg.resetRequests();
  for (const [why, bad] of malformed) {
    t.test(why, async (t) => {
      const runs: Array<[string, string[]]> = [
        ['copy <bad> <good>', ['copy', bad, `${h}/prod/busybox:1`]],
        ['copy <good> <bad>', ['copy', good, bad]],
        ['inspect', ['inspect', bad]],
        ['digest', ['digest', bad]],
        ['verify', ['verify', bad]],
      ];
      for (const [name, argv] of runs) {
        const r = await cli.run([...argv, '--plain-http', '--json']);
        t.equal(r.code, 2, `${name}: exit 2`);
        const message = errorDocument(t, r, 'ERR_INVALID_REFERENCE');
        t.match(message, /^invalid reference /, `${name}: says what is wrong`);
        oneErrorLine(t, r, 'ERR_INVALID_REFERENCE');
      }
    });
  }
  t.same(await reg.settledRequests(), [], 'the registry saw no request at all');
  t.same(await listTags(reg, 'prod/busybox'), []);
});

t.test('a 128-character tag is valid: it reaches the registry (and is not found)', async (t) => {
  await reg.resetRequests();
  const r = await cli.run([
    'digest',
    '--plain-http',
    '--json',
    `${h}/staging/busybox:${'a'.repeat(128)}`,
  ]);
  t.equal(r.code, 1);
  errorDocument(t, r, 'ERR_NOT_FOUND');
  t.equal((await reg.settledRequests()).length, 1, 'one HEAD');
});

t.test('missing tag or repository: exit 1, ERR_NOT_FOUND naming the reference', async (t) => {
  for (const [name, argv, what] of [
    ['copy', ['copy', `${h}/staging/busybox:nope`, `${h}/prod/x:1`], `${h}/staging/busybox:nope`],
    ['inspect', ['inspect', `${h}/staging/busybox:nope`], `${h}/staging/busybox:nope`],
    ['digest', ['digest', `${h}/staging/busybox:nope`], `${h}/staging/busybox:nope`],
    [
      'copy, unknown repository',
      ['copy', `${h}/staging/nothing:1`, `${h}/prod/x:1`],
      `${h}/staging/nothing:1`,
    ],
    [
      'copy, unknown digest',
      ['copy', `${h}/staging/busybox@sha256:${'0'.repeat(64)}`, `${h}/prod/x`],
      `${h}/staging/busybox@sha256:${'0'.repeat(64)}`,
    ],
  ] as const) {
    const r = await cli.run([...argv, '--plain-http', '--json']);
    t.equal(r.code, 1, `${name}: exit 1`);
    const message = errorDocument(t, r, 'ERR_NOT_FOUND');
    t.match(message, what, `${name}: names ${what}`);
    oneErrorLine(t, r, 'ERR_NOT_FOUND');
  }
  t.same(await listTags(reg, 'prod/x'), [], 'nothing tagged');

  const text = await cli.run([
    'copy',
    '--plain-http',
    `${h}/staging/busybox:nope`,
    `${h}/prod/x:1`,
  ]);
  t.equal(text.code, 1);
  t.equal(text.stdout, '', 'without --json nothing on stdout');
  t.match(text.stderr, /— check the registry, repository and tag names \[ERR_NOT_FOUND\]\n$/);
});

t.test('usage errors: exit 2, ERR_USAGE, no request sent', async (t) => {
  await reg.resetRequests();
  const cases: Array<[string, string[]]> = [
    ['unknown flag', ['copy', good, `${h}/prod/x:1`, '--bogus']],
    ['unknown flag before the positionals', ['copy', '--bogus', good, `${h}/prod/x:1`]],
    ['unknown command', ['frobnicate', good]],
    ['no command', []],
    ['missing destination', ['copy', good]],
    ['extra positional', ['inspect', good, good]],
    ['bad --log-level', ['inspect', good, '--log-level', 'loud']],
    ['source without tag or digest', ['copy', `${h}/staging/busybox`, `${h}/prod/x:1`]],
    ['--raw with --json', ['inspect', '--raw', good]],
  ];
  for (const [why, argv] of cases) {
    const r = await cli.run([...argv, '--plain-http', '--json']);
    t.equal(r.code, 2, `${why}: exit 2`);
    errorDocument(t, r, 'ERR_USAGE');
    oneErrorLine(t, r, 'ERR_USAGE');
  }
  const unknown = await cli.run(['copy', good, `${h}/prod/x:1`, '--bogus']);
  t.match(unknown.stderr, /Unknown argument: bogus/);
  t.equal(unknown.stdout, '', 'without --json nothing on stdout');
  t.same(await reg.settledRequests(), [], 'no request reached the registry');
});

t.test('--help and --version exit 0', async (t) => {
  const help = await cli.run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /oci-promote <command> \[options\]/);
  for (const c of ['copy', 'inspect', 'digest', 'tags', 'verify', 'login']) {
    t.match(help.stdout, new RegExp(`oci-promote ${c} `), `lists ${c}`);
  }
  const version = await cli.run(['--version']);
  t.equal(version.code, 0);
  t.match(version.stdout, /^\d+\.\d+\.\d+\S*\n$/);
  t.equal(image.length, 71, 'sanity: the seeded image exists');
});
