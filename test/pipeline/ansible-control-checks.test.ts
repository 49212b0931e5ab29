// production-deploy.yml's hold and freeze check on the control node (tasks/control-checks.yml),
// with a stand-in CLI answering `oci-promote status --json` and no production host: only the
// control node's checks run, so exit 0 means they passed and nothing is deployed.
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
