// Every template in ansible/templates rendered by Ansible (template module, group_vars of
// the stage, paths under a temporary prefix), then checked by the tool that reads it:
// nginx -t (and a running nginx in front of a stand-in app, checked by the pipeline's own
// security-headers.sh and health-check.sh), docker-compose config, logrotate -d, shellcheck,
// yamllint.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { findFreePort } from '../helpers/registry.js';
import { createPki } from '../helpers/tls.js';
import { prefixVars, renderTemplates, run, type Stage, tempDir } from './helpers/ansible.js';
import { startNginx, startStandInApp } from './helpers/nginx.js';
import { DIGEST_A, runScript } from './helpers/scripts.js';

const REPOSITORY = 'registry.test:5000/acme/app';

interface Rendered {
  files: Record<string, string>;
  prefix: string;
  ports: { http: number; https: number; app: number };
  caFile: string;
}

/** render renders STAGE's templates with a certificate from a test CA (openssl). */
async function render(
  t: Test,
  stage: Stage,
  extra: Record<string, unknown> = {},
): Promise<Rendered> {
  const dir = await tempDir(t, `ansible-templates-${stage}`);
  const prefix = join(dir, 'prefix');
  const pki = await createPki(t);
  const ca = await pki.ca('template test root');
  const leaf = await pki.issue(ca, 'app', { ip: ['127.0.0.1'], dns: ['app.test'] });
  const ports = {
    http: await findFreePort(),
    https: await findFreePort(),
    app: await findFreePort(),
  };
  const vars = {
    ...prefixVars(prefix, { ...ports, certPath: leaf.certPath, keyPath: leaf.keyPath }),
    app_port: ports.app,
    image_repository: REPOSITORY,
    image_digest: DIGEST_A,
    release_digest: DIGEST_A,
    app_version: '1.2.3',
    ...extra,
  };
  const files = await renderTemplates(dir, stage, prefix, vars);
  return { files, prefix, ports, caFile: ca.certPath };
}

// Rendered once per stage (Ansible takes seconds per run), shared by the tests below.
const rendered = {
  staging: await render(t, 'staging'),
  production: await render(t, 'production'),
};

for (const stage of ['staging', 'production'] as const) {
  t.test(`${stage}: templates pass the real tools`, async (t) => {
    const { files, prefix } = rendered[stage];
    const conf = files['nginx.conf.j2']!;

    const nginx = await run('nginx', ['-t', '-c', conf]);
    t.equal(nginx.code, 0, `nginx -t: ${nginx.stderr}`);
    t.match(nginx.stderr, /syntax is ok/);

    const compose = await run('docker-compose', [
      '-f',
      files['docker-compose.yml.j2']!,
      'config',
      '-q',
    ]);
    t.equal(compose.code, 0, `docker-compose config -q: ${compose.stderr}`);

    const logrotate = await run('logrotate', [
      '-d',
      '-s',
      join(prefix, 'logrotate.state'),
      files['logrotate.conf.j2']!,
    ]);
    t.equal(logrotate.code, 0, `logrotate -d: ${logrotate.stderr}`);
    t.notMatch(logrotate.stderr, /error:/i, 'logrotate reports no error');

    const scripts = ['monitor.sh.j2', 'docker_cleanup.sh.j2', 'port_verification.sh.j2'].map(
      (s) => files[s]!,
    );
    const shellcheck = await run('shellcheck', scripts);
    t.equal(shellcheck.code, 0, `shellcheck: ${shellcheck.stdout}`);

    const yamllint = await run('yamllint', [
      '-s',
      '-d',
      'relaxed',
      files['docker-compose.yml.j2']!,
    ]);
    t.equal(yamllint.code, 0, `yamllint: ${yamllint.stdout}`);
  });

  t.test(`${stage}: the compose file pins the digest and keeps the app on loopback`, async (t) => {
    const { files, ports } = rendered[stage];
    const doc = parse(await readFile(files['docker-compose.yml.j2']!, 'utf8'));
    const app = doc.services.app;
    t.equal(app.image, `${REPOSITORY}@${DIGEST_A}`, 'image is repository@digest, no tag');
    t.same(app.ports, [`127.0.0.1:${ports.app}:8080`], 'published on loopback only');
    t.match(app.environment, { IMAGE_DIGEST: DIGEST_A, APP_VERSION: '1.2.3', PORT: '8080' });
    t.equal(app.restart, 'unless-stopped');
    t.match(app.healthcheck, {
      test: ['CMD', '/bin/wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/api/health'],
    });
    t.match(app.logging, { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });

    const host = await render(t, stage, { app_network_mode: 'host', app_version: '' });
    const hostDoc = parse(await readFile(host.files['docker-compose.yml.j2']!, 'utf8'));
    t.equal(hostDoc.services.app.network_mode, 'host');
    t.notOk(hostDoc.services.app.ports, 'no published ports on the host network');
    t.equal(
      hostDoc.services.app.environment.PORT,
      String(host.ports.app),
      'the app listens on app_port',
    );
    t.notOk(
      'APP_VERSION' in hostDoc.services.app.environment,
      "no version given: the image's own stays",
    );
  });
}

t.test(
  'production: nginx serves the app over TLS with every security header exactly once',
  async (t) => {
    const { files, ports, caFile } = rendered.production;
    await startStandInApp(t, ports.app, DIGEST_A);
    await startNginx(t, files['nginx.conf.j2']!, ports.https);
    const https = `https://127.0.0.1:${ports.https}`;
    const env = { TLS_CA_FILE: caFile };

    const headers = await runScript(
      'security-headers.sh',
      [`${https}/api/health`, `http://127.0.0.1:${ports.http}/`, `${https}/missing`],
      env,
    );
    t.equal(headers.code, 0, headers.stdout + headers.stderr);

    const statics = await runScript(
      'security-headers.sh',
      [
        `${https}/_next/static/app.js`,
        `http://127.0.0.1:${ports.http}/_next/static/app.js`,
        `${https}/nope`,
      ],
      env,
    );
    t.equal(statics.code, 0, `static files keep the headers: ${statics.stdout}`);

    const health = await run('curl', ['-sS', '--cacert', caFile, `${https}/api/health`]);
    t.match(
      JSON.parse(health.stdout),
      { status: 'pass', releaseId: DIGEST_A },
      'health JSON through nginx',
    );
    const curl = await run('curl', [
      '-sS',
      '--cacert',
      caFile,
      '-o',
      '/dev/null',
      '-D',
      '-',
      '--compressed',
      `${https}/_next/static/app.js`,
    ]);
    t.match(curl.stdout, /^HTTP\/2 200/m, 'HTTP/2 over TLS');
    t.match(curl.stdout, /^cache-control: max-age=\d+/im, 'static files are cached');
    t.match(curl.stdout, /^content-encoding: gzip/im, 'gzip');
    t.match(curl.stdout, /^server: nginx\r?$/im, 'no version in Server');

    const redirect = await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{redirect_url}',
      `http://127.0.0.1:${ports.http}/x?y=1`,
    ]);
    t.equal(
      redirect.stdout,
      `301 https://127.0.0.1:${ports.https}/x?y=1`,
      'port 80 redirects to https',
    );

    const tls10 = await run('curl', [
      '-sS',
      '--cacert',
      caFile,
      '--tls-max',
      '1.1',
      '-o',
      '/dev/null',
      `${https}/api/health`,
    ]);
    t.not(tls10.code, 0, 'TLS 1.1 is refused');

    // The headers check can fail: the app alone sends none of them (and a second CSP).
    const bare = await runScript('security-headers.sh', [
      `http://127.0.0.1:${ports.app}/api/health`,
      `http://127.0.0.1:${ports.app}/`,
      `http://127.0.0.1:${ports.app}/missing`,
    ]);
    t.equal(bare.code, 1, 'the stand-in app without nginx fails the headers check');
  },
);

t.test(
  'staging: nginx serves the app over HTTP with the security headers exactly once',
  async (t) => {
    const { files, ports } = await render(t, 'staging');
    await startStandInApp(t, ports.app, DIGEST_A);
    await startNginx(t, files['nginx.conf.j2']!, ports.http);
    const http = `http://127.0.0.1:${ports.http}`;
    const headers = await runScript('security-headers.sh', [
      `${http}/api/health`,
      `${http}/`,
      `${http}/missing`,
    ]);
    t.equal(headers.code, 0, headers.stdout + headers.stderr);
    const health = await runScript('health-check.sh', [`${http}/api/health`, DIGEST_A], {
      HEALTH_ATTEMPTS: '1',
    });
    t.equal(health.code, 0, health.stdout + health.stderr);
    const hsts = await run('curl', ['-sS', '-o', '/dev/null', '-D', '-', `${http}/api/health`]);
    t.notMatch(hsts.stdout, /strict-transport-security/i, 'no HSTS over plain HTTP');
  },
);

t.test(
  'nginx -t and docker-compose config reject broken output (the checks can fail)',
  async (t) => {
    const { files } = await render(t, 'production');
    const site = await readFile(files['nextjs-site-ssl.conf.j2']!, 'utf8');
    await writeFile(files['nextjs-site-ssl.conf.j2']!, site.replace(/}\s*$/, ''));
    t.not(
      (await run('nginx', ['-t', '-c', files['nginx.conf.j2']!])).code,
      0,
      'nginx -t fails on a broken site',
    );
    const compose = files['docker-compose.yml.j2']!;
    await writeFile(
      compose,
      (await readFile(compose, 'utf8')).replace('restart:', 'restart_policy_typo:'),
    );
    t.not(
      (await run('docker-compose', ['-f', compose, 'config', '-q'])).code,
      0,
      'docker-compose config fails',
    );
  },
);
