/**
 * What the harness needs from the system: free ports, htpasswd lines, and process
 * bookkeeping so that no registry process or temp folder outlives the test process.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Registries running now: killed and removed when the process exits. */
export const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      try {
        entry.child.kill('SIGKILL');
      } catch {
        // already gone
      }
      try {
        rmSync(entry.dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** `setpriv --pdeathsig SIGKILL` makes the kernel kill the registry if this process dies. */
let setprivPath: string | null | undefined;
export async function findSetpriv(): Promise<string | null> {
  if (setprivPath !== undefined) return setprivPath;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      await execFileAsync(candidate, ['--pdeathsig', 'SIGKILL', 'true']);
      setprivPath = candidate;
      return candidate;
    } catch {
      // not usable
    }
  }
  setprivPath = null;
  return null;
}

/** A currently free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `user:bcrypt-hash` lines from `htpasswd -Bbn`. */
export async function htpasswdEntries(users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    const { stdout } = await execFileAsync('htpasswd', ['-Bbn', user, password]);
    lines.push(stdout.trim());
  }
  return `${lines.join('\n')}\n`;
}
