// A private Docker engine for the pipeline rehearsal: Debian's dockerd with its own
// --data-root, --exec-root and unix socket under a temporary folder, no default bridge and no
// iptables rules (compose's own network and docker-proxy publish the app on loopback), so
// it touches nothing of the machine's Docker. Stopped, with every container it ran, in
// teardown.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TeardownHost } from '../../helpers/registry.js';
import { run } from '../../pipeline/helpers/ansible.js';

export interface Dockerd {
  /** DOCKER_HOST of the engine: unix://<dir>/docker.sock */
  host: string;
  /** Runs the docker CLI against this engine. */
  docker(args: string[]): ReturnType<typeof run>;
}

/** Why dockerd cannot run here, or undefined when it may (root, dockerd on PATH). */
export async function cannotRunDockerd(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'dockerd needs root (run the rehearsal as root, as .ci/run does)';
  }
  const which = await run('sh', ['-c', 'command -v dockerd && command -v docker']);
  if (which.code !== 0) return 'dockerd or docker is not installed (Debian package docker.io)';
  return undefined;
}

/** startDockerd starts the engine in DIR and waits until it answers (or throws its log). */
export async function startDockerd(t: TeardownHost, dir: string): Promise<Dockerd> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--host',
      host,
      '--bridge',
      'none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  });
  const docker = (args: string[]) => run('docker', args, { DOCKER_HOST: host });
  t.teardown(async () => {
    const ids = await docker(['ps', '-aq']);
    const list = ids.stdout.split('\n').filter(Boolean);
    if (list.length > 0) await docker(['rm', '-f', ...list]);
    await docker(['network', 'prune', '-f']);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) break;
    if ((await docker(['version', '--format', '{{.Server.Version}}'])).code === 0)
      return { host, docker };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`dockerd did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
}
