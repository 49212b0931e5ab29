// The control node's part of the playbooks, with a stand-in CLI and no host in the group:
// production-deploy.yml's hold and freeze check (tasks/control-checks.yml) answering
// `oci-promote status --json`, and staging-deploy.yml's promote_after_deploy (attest, then
// promote --require-verified staging). Exit 0 means the control node's part passed.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ansiblePlaybook, tempDir } from './helpers/ansible.js';
import { DIGEST_A, DIGEST_B, stubCli } from './helpers/scripts.js';

t.test(
  'production refuses a held digest or a frozen repository before touching a host',
  async (t) => {
    const dir = await tempDir(t, 'ansible-control-checks');
    // No production host: only the control node's checks run (rc 0 means they passed).
    const inventory = join(dir, 'inventory-empty.yml');
    await writeFile(inventory, 'production:\n  hosts: {}\n');
    const repo = 'registry.test/acme/app';
    const hold = {
      digest: DIGEST_A,
      reason: 'bad release',
      actor: 'alice',
      time: '2026-12-01T10:00:00Z',
    };
    const freeze = { reason: 'holidays', actor: 'bob', time: '2026-12-01T09:00:00Z', until: null };
    const check = async (status: object, vars: Record<string, unknown> = {}) => {
      // The stub answers `status` with the document (`oci-promote status --json`), `verify` with 0.
      const cli = await stubCli(
        t,
        `if [ "$1" = status ]; then echo '${JSON.stringify(status)}'; fi`,
      );
      const r = await ansiblePlaybook(dir, 'production-deploy.yml', inventory, {
        image_repository: repo,
        image_digest: DIGEST_A,
        oci_promote_command: [cli.path],
        ...vars,
      });
      return {
        ...r,
        calls: (await readFile(cli.log, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      };
    };

    const clear = await check({
      held: false,
      holds: [{ ...hold, digest: DIGEST_B }],
      freeze: null,
    });
    t.equal(clear.code, 0, `not held, not frozen: allowed\n${clear.stdout}`);
    t.strictSame(clear.calls, [
      ['verify', `${repo}@${DIGEST_A}`, '--deep', '--digest', DIGEST_A],
      ['status', `${repo}@${DIGEST_A}`, '--json'],
    ]);

    const held = await check({ held: true, holds: [hold], freeze: null });
    t.not(held.code, 0, 'held: refused');
    t.match(held.stdout, /held by alice at 2026-12-01T10:00:00Z\s+\(bad release\)/);
    const rollbackHeld = await check(
      { held: true, holds: [hold], freeze: null },
      { deploy_mode: 'rollback' },
    );
    t.not(rollbackHeld.code, 0, 'a rollback to a held digest is refused too');

    const frozen = await check({ held: false, holds: [], freeze });
    t.not(frozen.code, 0, 'frozen: refused');
    t.match(frozen.stdout, /registry\.test\/acme\/app is frozen\s+\(holidays\)/);
    const rollback = await check({ held: false, holds: [], freeze }, { deploy_mode: 'rollback' });
    t.equal(rollback.code, 0, `a rollback is allowed during a freeze\n${rollback.stdout}`);

    const noHeld = await check({ holds: [], freeze: null });
    t.not(noHeld.code, 0, 'a document without `held` is refused (fails closed)');
    t.match(noHeld.stdout, /gave no `held` field/);
  },
);

t.test(
  'staging promote_after_deploy: attest, then promote --require-verified staging',
  async (t) => {
    const dir = await tempDir(t, 'ansible-promote-after-deploy');
    const inventory = join(dir, 'inventory-empty.yml');
    await writeFile(inventory, 'staging:\n  hosts: {}\n');
    const cli = await stubCli(t);
    const vars = {
      image_repository: 'registry.test/acme/app-staging',
      image_digest: DIGEST_A,
      app_version: '1.2.3',
      oci_promote_command: [cli.path],
      oci_promote_args: ['--plain-http'],
      promote_after_deploy: true,
      promote_to_repository: 'registry.test/acme/app',
      promote_args: ['--semver'],
    };
    const r = await ansiblePlaybook(dir, 'staging-deploy.yml', inventory, vars);
    t.equal(r.code, 0, r.stdout);
    const calls = (await readFile(cli.log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.strictSame(calls, [
      [
        'attest',
        `registry.test/acme/app-staging@${DIGEST_A}`,
        '--stage',
        'staging',
        '--result',
        'passed',
        '--check',
        'health=passed',
        '--summary',
        'staging playbook: health passed on ',
        '--plain-http',
      ],
      [
        'promote',
        `registry.test/acme/app-staging:1.2.3@${DIGEST_A}`,
        '--to',
        'registry.test/acme/app',
        '--require-verified',
        'staging',
        '--semver',
        '--plain-http',
      ],
    ]);

    // A refused promotion (exit 3: e.g. a held digest) fails the run.
    const refusing = await stubCli(t, 'if [ "$1" = promote ]; then exit 3; fi');
    const refused = await ansiblePlaybook(dir, 'staging-deploy.yml', inventory, {
      ...vars,
      oci_promote_command: [refusing.path],
    });
    t.not(refused.code, 0, 'the refusal fails the run');
    const none = await ansiblePlaybook(dir, 'staging-deploy.yml', inventory, {
      ...vars,
      promote_to_repository: '',
    });
    t.not(none.code, 0);
    t.match(none.stdout, /promote_after_deploy needs promote_to_repository/);
  },
);
