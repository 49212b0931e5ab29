// Runs the pipeline's shell scripts (.github/scripts/*.sh) the way a workflow step does: bash,
// a clean environment (PATH plus what the step's `env:` would give), output captured.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TeardownHost } from '../../helpers/registry.js';

export const root = join(import.meta.dirname, '..', '..', '..');
export const scriptsDir = join(root, '.github', 'scripts');

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines (the `result` lines of lib.sh). */
  results: Array<Record<string, unknown>>;
}

/** runScript runs .github/scripts/NAME with ARGS; ENV is the whole environment besides PATH. */
export async function runScript(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  const file = join(scriptsDir, name);
  const full = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', ...env };
  const done = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', [file, ...args], { env: full, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
  const results = done.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...done, results };
}

/** A local HTTP server answering with `handler`; closed in teardown. Returns its base URL. */
export async function httpServer(
  t: TeardownHost,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * stubCli writes an executable that stands in for oci-promote: it appends its argv as one
 * JSON line to the returned log file and runs `body` (bash) with the argv in "$@".
 */
export async function stubCli(
  t: TeardownHost,
  body = 'exit 0',
): Promise<{ path: string; log: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-stub-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'oci-promote');
  const log = join(dir, 'argv.jsonl');
  await writeFile(
    path,
    `#!/usr/bin/env bash\nfor a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -cs . >> ${JSON.stringify(log)}\n${body}\n`,
  );
  await chmod(path, 0o755);
  return { path, log };
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
