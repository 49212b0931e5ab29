// The deploy-side scripts: setup-ssh.sh (files and modes), deployment-status.sh (against a
// local node:http stand-in for the GitHub REST API), ansible-check.sh (the real Ansible, a
// local-connection host and an unreachable one), checks-summary.sh (the table and verdict).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { findFreePort, type TeardownHost } from '../helpers/registry.js';
import { httpServer, runScript } from './helpers/scripts.js';

async function tempDir(t: TeardownHost): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-deploy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('setup-ssh.sh writes the key and pinned host keys, owner-only', async (t) => {
  const home = await tempDir(t);
  const env = {
    HOME: home,
    DEPLOY_SSH_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----',
    SSH_KNOWN_HOSTS: 'app.example ssh-ed25519 AAAA\nstg.example ssh-ed25519 BBBB',
  };
  const r = await runScript('setup-ssh.sh', [], env);
  t.equal(r.code, 0, r.stderr);
  t.equal(await readFile(join(home, '.ssh', 'id_deploy'), 'utf8'), `${env.DEPLOY_SSH_KEY}\n`);
  t.equal(await readFile(join(home, '.ssh', 'known_hosts'), 'utf8'), `${env.SSH_KNOWN_HOSTS}\n`);
  t.match(await readFile(join(home, '.ssh', 'config'), 'utf8'), 'StrictHostKeyChecking yes');
  t.equal((await stat(join(home, '.ssh'))).mode & 0o777, 0o700);
  t.equal((await stat(join(home, '.ssh', 'id_deploy'))).mode & 0o777, 0o600);
  t.notMatch(r.stderr, 'key\n', 'the key is not printed');
  const noHosts = await runScript('setup-ssh.sh', [], { ...env, SSH_KNOWN_HOSTS: '' });
  t.equal(noHosts.code, 2, 'no trust on first use: host keys are required');
  t.equal((await runScript('setup-ssh.sh', [], { HOME: home })).code, 2);
});

t.test('deployment-status.sh sets the state of this run’s deployment', async (t) => {
  const seen: Array<{ method: string; url: string; auth: string; body: string }> = [];
  let deployments = '[{"id":42}]';
  let postStatus = 201;
  const api = await httpServer(t, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization ?? '',
        body,
      });
      if (req.method === 'GET') res.writeHead(200).end(deployments);
      else res.writeHead(postStatus).end('{}');
    });
  });
  const env = {
    GITHUB_API_URL: api,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: 'abc123',
    GITHUB_TOKEN: 'ghs_secret',
    DEPLOY_ENVIRONMENT: 'production',
    ENVIRONMENT_URL: 'https://app.example',
    LOG_URL: 'https://github.com/acme/app/actions/runs/1',
  };
  const r = await runScript('deployment-status.sh', ['success'], env);
  t.equal(r.code, 0, r.stderr);
  t.match(seen, [
    {
      method: 'GET',
      url: '/repos/acme/app/deployments?sha=abc123&environment=production&per_page=1',
      auth: 'Bearer ghs_secret',
    },
    { method: 'POST', url: '/repos/acme/app/deployments/42/statuses', auth: 'Bearer ghs_secret' },
  ]);
  t.strictSame(JSON.parse(seen[1]!.body), {
    state: 'success',
    auto_inactive: true,
    log_url: env.LOG_URL,
    environment_url: env.ENVIRONMENT_URL,
  });
  t.notMatch(r.stderr, 'ghs_secret');

  postStatus = 500;
  const failed = await runScript('deployment-status.sh', ['failure'], env);
  t.equal(failed.code, 0, 'a status that cannot be written is a warning');
  t.match(failed.stderr, '::warning::could not set deployment 42 to failure');

  deployments = '[]';
  const none = await runScript('deployment-status.sh', ['success'], env);
  t.equal(none.code, 0);
  t.match(none.stderr, '::warning::no production deployment of abc123 found');

  t.equal((await runScript('deployment-status.sh', ['done'], env)).code, 2, 'unknown state');
  const { GITHUB_TOKEN: _, ...noToken } = env;
  t.equal((await runScript('deployment-status.sh', ['success'], noToken)).code, 2);
});

t.test('ansible-check.sh: the inventory parses and hosts answer (real Ansible)', async (t) => {
  const dir = await tempDir(t);
  const env = { HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, 'tmp') };
  const local = 'ansible_connection: local, ansible_python_interpreter: /usr/bin/python3';
  await writeFile(join(dir, 'ok.yml'), `all: {hosts: {web1: {${local}}}}\n`);
  const ok = await runScript('ansible-check.sh', [join(dir, 'ok.yml')], env);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.results, [
    { check: 'inventory', result: 'passed', message: /parses: 1 host\(s\)$/ },
    { check: 'reachable', result: 'passed' },
  ]);

  const closed = await findFreePort();
  await writeFile(
    join(dir, 'down.yml'),
    `all: {hosts: {web1: {${local}}, web2: {ansible_host: 127.0.0.1, ansible_port: ${closed}, ansible_connection: ssh}}}\n`,
  );
  const down = await runScript('ansible-check.sh', [join(dir, 'down.yml')], env);
  t.equal(down.code, 1);
  t.match(down.results, [
    { result: 'passed' },
    { check: 'reachable', result: 'failed', message: 'not reachable: web2' },
  ]);

  await writeFile(join(dir, 'bad.yml'), 'all: [\n');
  const bad = await runScript('ansible-check.sh', [join(dir, 'bad.yml')], env);
  t.equal(bad.code, 1);
  t.match(bad.results, [
    { check: 'inventory', result: 'failed' },
    { check: 'reachable', result: 'failed' },
  ]);
});

t.test('checks-summary.sh renders the table; any failure fails', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'checks.jsonl');
  const summary = join(dir, 'summary.md');
  await writeFile(
    file,
    [
      { check: 'configuration', result: 'passed', message: 'all set' },
      { check: 'tls', result: 'warning', message: 'expires | soon\nreally' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  );
  const ok = await runScript('checks-summary.sh', [file, 'Dependency check'], {
    GITHUB_STEP_SUMMARY: summary,
  });
  t.equal(ok.code, 0, ok.stderr);
  t.equal(
    ok.stdout,
    '### Dependency check: passed\n\n| check | result | details |\n| --- | --- | --- |\n' +
      '| configuration | ✅ passed | all set |\n| tls | ⚠️ warning | expires \\| soon really |\n',
  );
  t.equal(await readFile(summary, 'utf8'), `${ok.stdout}\n`);

  await writeFile(
    file,
    `${JSON.stringify({ check: 'hold', result: 'failed', message: 'held' })}\n`,
    { flag: 'a' },
  );
  const bad = await runScript('checks-summary.sh', [file, 'Dependency check']);
  t.equal(bad.code, 1);
  t.match(bad.stdout, '### Dependency check: failed');
  t.match(bad.stdout, '| hold | ❌ failed | held |');

  await writeFile(file, '');
  const empty = await runScript('checks-summary.sh', [file, 'X']);
  t.equal(empty.code, 1, 'no checks is not a pass');
  t.match(empty.stdout, '### X: failed (no checks ran)');
  t.equal((await runScript('checks-summary.sh', [join(dir, 'none.jsonl'), 'X'])).code, 2);
});
