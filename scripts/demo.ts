/**
 * `npm run demo`: the main job end to end on two local registries it starts itself.
 * A sample multi-platform image (busybox, built with umoci) is pushed to "staging" with
 * skopeo, then the real `oci-promote` CLI inspects it, copies it to "production",
 * verifies it there, and shows that a second copy is a no-op.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Registry, startRegistry, summarizeRequests } from '../test/helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../test/helpers/seed.js';

const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

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

  say('Pushing a sample image to staging with skopeo (a linux/amd64 + linux/arm64 index)');
  const pushed = await pushLayout(staging, BUSYBOX_LAYOUT, 'multiarch', 'team/app', '1.0.0');
  console.log(`${staging.host}/team/app:1.0.0 -> ${pushed}`);

  const src = `${staging.host}/team/app:1.0.0`;
  const dst = `${production.host}/team/app:1.0.0`;

  say('What is in staging');
  cli('inspect', src);

  say('Copy it to production: by digest, verified while streaming, tag written last');
  const copied = await countAt(production, () => cli('copy', src, dst));
  console.log(`production served: ${copied}`);

  say('Production now holds exactly the same digest');
  const digest = cli('digest', dst);
  cli('verify', '--deep', '--digest', digest, dst);

  say('Copying again changes nothing and costs a handful of requests');
  const again = await countAt(production, () => cli('copy', '--quiet', src, dst));
  console.log(`production served: ${again}`);

  say('Only one platform, as a new filtered index (the digest changes and says so)');
  cli(
    'copy',
    '--platform',
    'linux/arm64',
    '--json',
    src,
    `${production.host}/team/app-arm64:1.0.0`,
  );

  say('Bad input is refused before any request (exit code 2)');
  const bad = spawnSync(process.execPath, [bin, 'copy', `${staging.host}/Team/App:1`, dst], {
    encoding: 'utf8',
  });
  process.stdout.write(
    `$ oci-promote copy ${staging.host}/Team/App:1 ${dst}\n${bad.stderr}exit code ${bad.status}\n`,
  );

  say('Done');
} finally {
  await Promise.all(registries.map((r) => r.stop()));
}
