#!/usr/bin/env node
// Makes sure the system tools the tests and the demo drive are installed.
//
//   node scripts/ensure-system-packages.mjs
//
// Fast no-op when every tool is on PATH. Otherwise, as root on Debian/Ubuntu it runs
// `apt-get update` and installs the Debian packages; anywhere else it prints one line
// naming what to install and exits 1. Plain Node ESM, no dependencies.
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Command on PATH -> Debian package that provides it. */
const TOOLS = [
  { command: 'docker-registry', pkg: 'docker-registry' },
  { command: 'skopeo', pkg: 'skopeo' },
  { command: 'umoci', pkg: 'umoci' },
  { command: 'htpasswd', pkg: 'apache2-utils' },
  { command: 'busybox', pkg: 'busybox-static', mustBeStatic: true },
  // The benchmark's floor and measurements: curl, jq, GNU time.
  { command: 'curl', pkg: 'curl' },
  { command: 'jq', pkg: 'jq' },
  { command: 'time', pkg: 'time' },
  // The pipeline scripts' tests (test/pipeline): shellcheck, TLS checks, Ansible inventories.
  { command: 'shellcheck', pkg: 'shellcheck' },
  { command: 'openssl', pkg: 'openssl' },
  { command: 'ansible', pkg: 'ansible-core' },
  // The Ansible playbooks' tests (test/pipeline/ansible*.test.ts) and the pipeline rehearsal
  // (test/e2e): community.docker (Debian's full ansible), the tools that read the rendered
  // templates, and a Docker engine.
  { command: 'ansible-community', pkg: 'ansible' },
  { command: 'nginx', pkg: 'nginx-light' },
  { command: 'docker-compose', pkg: 'docker-compose' },
  { command: 'logrotate', pkg: 'logrotate' },
  { command: 'yamllint', pkg: 'yamllint' },
  { command: 'dockerd', pkg: 'docker.io' },
  { command: 'ansible-lint', pkg: 'ansible-lint' },
  { command: 'chromium', pkg: 'chromium' },
];
const PACKAGES = TOOLS.map((t) => t.pkg);

function which(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when `file` is an ELF executable without a PT_INTERP header (statically linked). */
function isStaticElf(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 64) return false;
    if (head.readUInt32BE(0) !== 0x7f454c46) return false; // "\x7fELF"
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64
      ? Number(le ? head.readBigUInt64LE(0x20) : head.readBigUInt64BE(0x20))
      : u32(head, 0x1c);
    const phentsize = u16(head, is64 ? 0x36 : 0x2a);
    const phnum = u16(head, is64 ? 0x38 : 0x2c);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (u32(ph, i * phentsize) === 3 /* PT_INTERP */) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function missingTools() {
  const missing = [];
  for (const tool of TOOLS) {
    const path = which(tool.command);
    if (!path) missing.push({ ...tool, why: 'not found on PATH' });
    else if (tool.mustBeStatic && !isStaticElf(path)) {
      missing.push({ ...tool, why: `${path} is not statically linked` });
    }
  }
  return missing;
}

function run(command, args, env) {
  console.error(`ensure-system-packages: ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`ensure-system-packages: '${command} ${args.join(' ')}' exited ${r.status}`);
    process.exit(1);
  }
}

const missing = missingTools();
if (missing.length === 0) process.exit(0);

const what = missing.map((m) => `${m.command} (${m.why})`).join(', ');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const aptGet =
  which('apt-get') ?? (existsSync('/usr/bin/apt-get') ? '/usr/bin/apt-get' : undefined);
const isDebian = existsSync('/etc/debian_version') && aptGet !== undefined;

if (!isRoot || !isDebian) {
  const hint = isDebian
    ? `sudo apt-get install -y ${PACKAGES.join(' ')}`
    : `install the equivalents of the Debian packages ${PACKAGES.join(' ')}`;
  console.error(`ensure-system-packages: missing ${what}; run: ${hint}`);
  process.exit(1);
}

console.error(`ensure-system-packages: missing ${what}; installing with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
run(aptGet, ['update'], env);
run(aptGet, ['install', '-y', ...PACKAGES], env);

const still = missingTools();
if (still.length > 0) {
  console.error(
    `ensure-system-packages: still missing after install: ${still.map((m) => `${m.command} (${m.why})`).join(', ')}`,
  );
  process.exit(1);
}
