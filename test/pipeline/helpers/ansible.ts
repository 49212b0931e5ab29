// Runs the real Ansible over ansible/: playbooks against localhost (connection local) and the
// templates rendered with the template module, every path the playbooks write to pointed at
// a temporary prefix (ansible/group_vars/all.yml makes each of them a variable).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TeardownHost } from '../../helpers/registry.js';
import { root } from './scripts.js';

export const ansibleDir = join(root, 'ansible');
export const templatesDir = join(ansibleDir, 'templates');
export type Stage = 'staging' | 'production';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** run runs a command with ARGS and ENV added to this process's environment; never throws. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  cwd = root,
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 32 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Ansible's output without colour or cowsay, its temp files in DIR. */
export function ansibleEnv(dir: string): Record<string, string> {
  return {
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_NOCOWS: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_LOCALHOST_WARNING: 'false',
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-local'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'ansible-remote'),
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  };
}

/** A temporary folder removed in teardown. */
export async function tempDir(t: TeardownHost, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `oci-promote-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Ports and certificate of the nginx site in a test. */
export interface SitePorts {
  http: number;
  https: number;
  certPath?: string;
  keyPath?: string;
}

/**
 * prefixVars: the variables that point every file the playbooks write (deployment, state,
 * logs, nginx configuration, pid, temp files, logrotate) under PREFIX, owned by the user
 * running the test, nginx on the given ports, IPv4 only.
 */
export function prefixVars(prefix: string, ports: SitePorts): Record<string, unknown> {
  const me = userInfo();
  const conf = join(prefix, 'nginx', 'nginx.conf');
  const vars: Record<string, unknown> = {
    deploy_root: join(prefix, 'opt', 'app'),
    deploy_log_dir: join(prefix, 'log', 'app'),
    logrotate_config_path: join(prefix, 'logrotate.d', 'app'),
    deploy_owner: String(me.uid),
    deploy_group: String(me.gid),
    nginx_conf_dir: join(prefix, 'nginx'),
    nginx_mime_types_path: '/etc/nginx/mime.types',
    nginx_user: me.username,
    nginx_pid_file: join(prefix, 'nginx', 'nginx.pid'),
    nginx_log_dir: join(prefix, 'log', 'nginx'),
    nginx_temp_dir: join(prefix, 'nginx', 'tmp'),
    nginx_listen_ipv6: false,
    nginx_http_port: ports.http,
    nginx_https_port: ports.https,
    nginx_test_command: `nginx -t -q -c ${conf}`,
    // Reload when it runs, else start it (the test stops it by its pid file).
    nginx_reload_command: `nginx -c ${conf} -s reload 2>/dev/null || nginx -c ${conf}`,
    nginx_reopen_command: `nginx -c ${conf} -s reopen`,
    domain: 'app.test',
  };
  if (ports.certPath) vars.tls_certificate_path = ports.certPath;
  if (ports.keyPath) vars.tls_certificate_key_path = ports.keyPath;
  return vars;
}

/** localInventory writes an inventory with localhost (connection local) in GROUP. */
export async function localInventory(dir: string, group: Stage): Promise<string> {
  const file = join(dir, `inventory-${group}.yml`);
  await writeFile(
    file,
    `${group}:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: /usr/bin/python3\n`,
  );
  return file;
}

/** ansiblePlaybook runs ansible-playbook PLAYBOOK (relative to ansible/) with extra vars. */
export async function ansiblePlaybook(
  dir: string,
  playbook: string,
  inventory: string,
  vars: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<Run> {
  const varsFile = join(dir, `vars-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  await writeFile(varsFile, JSON.stringify(vars));
  return run(
    'ansible-playbook',
    ['-i', inventory, join(ansibleDir, playbook), '-e', `@${varsFile}`],
    { ...ansibleEnv(dir), ...env },
  );
}

/** The templates and the file name each is rendered to. */
export const TEMPLATES = {
  'docker-compose.yml.j2': 'docker-compose.yml',
  'nginx.conf.j2': 'nginx/nginx.conf',
  'security-headers.conf.j2': 'nginx/snippets/app-security-headers.conf',
  'nextjs-site.conf.j2': 'nginx/conf.d/app.conf',
  'nextjs-site-ssl.conf.j2': 'nginx/conf.d/app.conf',
  'logrotate.conf.j2': 'logrotate.d/app',
  'monitor.sh.j2': 'opt/app/bin/monitor.sh',
  'docker_cleanup.sh.j2': 'opt/app/bin/docker_cleanup.sh',
  'port_verification.sh.j2': 'opt/app/bin/port_verification.sh',
} as const;
export type TemplateName = keyof typeof TEMPLATES;

/**
 * renderTemplates renders every template for STAGE (group_vars all + STAGE, then VARS) with
 * Ansible's template module into PREFIX, at the paths the playbooks would write them to
 * under prefixVars; only the site template of that stage is rendered. Returns the files.
 */
export async function renderTemplates(
  dir: string,
  stage: Stage,
  prefix: string,
  vars: Record<string, unknown>,
): Promise<Record<string, string>> {
  const site = stage === 'production' ? 'nextjs-site-ssl.conf.j2' : 'nextjs-site.conf.j2';
  const files: Record<string, string> = {};
  for (const [src, dest] of Object.entries(TEMPLATES)) {
    if (src.startsWith('nextjs-site') && src !== site) continue;
    files[src] = join(prefix, dest);
    await mkdir(join(files[src], '..'), { recursive: true });
  }
  const playbook = join(dir, `render-${stage}.yml`);
  const items = Object.entries(files).map(([src, dest]) => ({
    src: join(templatesDir, src),
    dest,
    mode: src.endsWith('.sh.j2') ? '0755' : '0644',
  }));
  await writeFile(
    playbook,
    JSON.stringify([
      {
        name: `render the ${stage} templates`,
        hosts: 'localhost',
        connection: 'local',
        gather_facts: false,
        vars_files: [
          join(ansibleDir, 'group_vars', 'all.yml'),
          join(ansibleDir, 'group_vars', `${stage}.yml`),
        ],
        tasks: [
          {
            name: 'render',
            'ansible.builtin.template': {
              src: '{{ item.src }}',
              dest: '{{ item.dest }}',
              mode: '{{ item.mode }}',
            },
            loop: items,
          },
        ],
      },
    ]),
  );
  const varsFile = join(dir, `render-${stage}.json`);
  await writeFile(varsFile, JSON.stringify(vars));
  const r = await run(
    'ansible-playbook',
    ['-i', 'localhost,', playbook, '-e', `@${varsFile}`],
    ansibleEnv(dir),
  );
  if (r.code !== 0)
    throw new Error(`rendering the ${stage} templates failed:\n${r.stdout}\n${r.stderr}`);
  // The directories tasks/nginx-site.yml creates beside the files.
  for (const key of ['nginx_temp_dir', 'nginx_log_dir'] as const) {
    const path = vars[key];
    if (typeof path === 'string') await mkdir(path, { recursive: true });
  }
  return files;
}

/** recap parses PLAY RECAP lines: host -> {ok, changed, failed, rescued, ...}. */
export function recap(stdout: string): Record<string, Record<string, number>> {
  const hosts: Record<string, Record<string, number>> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return hosts;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const [, k, v] of m[2]!.matchAll(/(\w+)=(\d+)/g)) counts[k!] = Number(v);
    hosts[m[1]!] = counts;
  }
  return hosts;
}
