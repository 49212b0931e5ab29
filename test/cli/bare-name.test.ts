// A bare name — a repository without tag or digest — names no image. Every command that
// reads or copies an image refuses it the same way (exit 2, ERR_USAGE, before any request,
// naming the fix); none guesses `latest`, though here `latest` exists (docs/cli.md, on
// references).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../helpers/seed.js';

const reg = await startRegistry(t);
const cli = await cliEnv(t);
await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', 'latest');
const bare = `${reg.host}/staging/busybox`;
const file = join(cli.dir, 'promotions.json');
await writeFile(file, JSON.stringify({ promotions: [{ source: bare, to: `${reg.host}/prod/b` }] }));

const commands: Array<[string, string[]]> = [
  ['inspect', ['inspect', bare]],
  ['digest', ['digest', bare]],
  ['verify', ['verify', bare]],
  ['verify --deep', ['verify', '--deep', bare]],
  ['copy', ['copy', bare, `${reg.host}/prod/a:1`]],
  ['promote', ['promote', bare, '--to', `${reg.host}/prod/a`, '--tag', '1']],
];

for (const [name, argv] of commands) {
  t.test(`${name}: a bare name is refused, latest is not guessed`, async (t) => {
    await reg.resetRequests();
    const r = await cli.run([...argv, '--plain-http', '--json']);
    t.equal(r.code, 2, r.stderr);
    t.equal(r.json().error?.code, 'ERR_USAGE');
    t.match(
      r.json().error?.message,
      `${bare} names no tag or digest: add one, e.g. ${bare}:latest or ${bare}@sha256:`,
    );
    t.same(await reg.settledRequests(), [], 'no request sent');
  });
}

t.test('promote --from-file: a bare source is refused with its line', async (t) => {
  await reg.resetRequests();
  const r = await cli.run(['promote', '--from-file', file, '--plain-http']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /promotions\.json:1: .*needs a tag or a digest/);
  t.same(await reg.settledRequests(), [], 'no request sent');
});
