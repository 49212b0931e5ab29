// A real nginx started on a rendered configuration, and a stand-in for the sample app
// (examples/app answers the same routes), for the template tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { TeardownHost } from '../../helpers/registry.js';

/** waitForPort resolves once 127.0.0.1:PORT accepts a connection (or throws after ~10 s). */
export async function waitForPort(port: number, what: string, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} does not listen on 127.0.0.1:${port}`);
}

/** startNginx runs `nginx -c CONF` in the foreground until teardown; waits for PORT. */
export async function startNginx(
  t: TeardownHost,
  conf: string,
  port: number,
): Promise<ChildProcess> {
  const child = spawn('nginx', ['-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  try {
    await waitForPort(port, 'nginx');
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  return child;
}

/**
 * startStandInApp answers like examples/app on 127.0.0.1:PORT: /api/health (health+json,
 * releaseId DIGEST), / (302 to /api/version), static files, 404 otherwise. It also sends the
 * headers an app framework might (its own CSP, X-Powered-By, a versioned Server), which
 * nginx must hide so that each security header reaches the client once.
 */
export async function startStandInApp(
  t: TeardownHost,
  port: number,
  digest: string,
): Promise<void> {
  const server = createServer((req, res) => {
    res.setHeader('X-Powered-By', 'stand-in/1.0');
    res.setHeader('Content-Security-Policy', "default-src 'none'");
    res.setHeader('Server', 'stand-in/1.2.3');
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/health') {
      res.writeHead(200, {
        'Content-Type': 'application/health+json',
        'Cache-Control': 'no-store',
      });
      res.end(JSON.stringify({ status: 'pass', releaseId: digest, version: '1.0.0' }));
    } else if (path === '/') {
      res.writeHead(302, { Location: '/api/version' });
      res.end();
    } else if (path?.startsWith('/_next/static/')) {
      res.writeHead(200, { 'Content-Type': 'application/javascript' });
      res.end(`console.log(${JSON.stringify('x'.repeat(4096))});\n`);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    }
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
}
