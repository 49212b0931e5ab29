/**
 * `npm run demo`: the main job end to end on two local registries it starts itself.
 * Two versions of a sample image (busybox, built with umoci) are pushed to "staging" with
 * skopeo; the real `oci-promote` CLI promotes them to "production" with semver tags,
 * shows the history kept in the registry, and rolls `latest` back.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Registry, startRegistry, summarizeRequests } from '../test/helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../test/helpers/seed.js';

const bin = fileURLToPath(new URL('../oci-promote.mjs', import.meta.url));

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m# ${text}\x1b[0m\n`);
}

/** cli runs the built CLI as a user would, echoing the command line and its output. */
function cli(...args: string[]): string {
  process.stdout.write(`$ oci-promote ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args, '--plain-http'], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr.replace(/^/gm, '  (stderr) ').replace(/ {2}\(stderr\) $/, ''));
  if (r.status !== 0) throw new Error(`oci-promote ${args[0]} exited with ${r.status}`);
  return r.stdout.trim();
}

async function countAt(registry: Registry, action: () => void): Promise<string> {
  await registry.resetRequests();
  action();
  const counts = summarizeRequests(await registry.settledRequests());
  return Object.entries(counts)
    .map(([k, n]) => `${n}× ${k}`)
    .join(', ');
}

const registries: Registry[] = [];
try {
  say('Starting two local registries (CNCF distribution), "staging" and "production"');
  const staging = await startRegistry();
  const production = await startRegistry();
  registries.push(staging, production);
  console.log(`staging    ${staging.host}\nproduction ${production.host}`);

  say('Pushing a sample image to staging with skopeo (busybox, linux/amd64)');
  const pushed = await pushLayout(staging, BUSYBOX_LAYOUT, 'amd64', 'team/app', '1.0.0');
  console.log(`${staging.host}/team/app:1.0.0 -> ${pushed}`);

  say('A second version lands in staging (a linux/amd64 + linux/arm64 index)');
  const pushed2 = await pushLayout(staging, BUSYBOX_LAYOUT, 'multiarch', 'team/app', '1.1.0');
  console.log(`${staging.host}/team/app:1.1.0 -> ${pushed2}`);

  const prod = `${production.host}/team/app`;
  say('What is in staging');
  cli('inspect', `${staging.host}/team/app:1.0.0`);

  say('Promote 1.0.0 to production: copied by digest, verified, tags written last');
  const first = await countAt(production, () =>
    cli('promote', `${staging.host}/team/app:1.0.0`, '--to', prod, '--semver'),
  );
  console.log(`production served: ${first}`);

  say('Promote 1.1.0: 1.1.0 and 1.1 are created, 1 and latest move');
  cli('promote', `${staging.host}/team/app:1.1.0`, '--to', prod, '--semver', '--quiet');

  say('Promoting 1.1.0 again changes nothing and costs a handful of requests');
  const again = await countAt(production, () =>
    cli('promote', `${staging.host}/team/app:1.1.0`, '--to', prod, '--semver', '--quiet'),
  );
  console.log(`production served: ${again}`);

  say('A different image as 1.1.0 is refused: full versions are immutable (exit code 3)');
  const refused = spawnSync(
    process.execPath,
    [
      bin,
      'promote',
      `${staging.host}/team/app:1.0.0`,
      '--to',
      prod,
      '--tag',
      '1.1.0',
      '--plain-http',
    ],
    { encoding: 'utf8' },
  );
  process.stdout.write(
    `$ oci-promote promote ${staging.host}/team/app:1.0.0 --to ${prod} --tag 1.1.0\n${refused.stderr}exit code ${refused.status}\n`,
  );

  say('History, kept in the production registry itself');
  cli('history', prod);

  say('Something is wrong with 1.1.0: roll latest back');
  cli('rollback', `${prod}:latest`);
  cli('history', `${prod}:latest`);
  const latest = cli('digest', `${prod}:latest`);
  cli('verify', '--deep', '--digest', latest, `${prod}:latest`);

  say('Done');
} finally {
  await Promise.all(registries.map((r) => r.stop()));
}
