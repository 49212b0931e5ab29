// The playbooks (ansible/) with the real Ansible: syntax, yamllint, and the input checks
// that refuse anything but a digest before a server is touched (run against localhost with
// every path under a temporary prefix: the refusal must leave that prefix empty).
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  ansibleDir,
  ansibleEnv,
  ansiblePlaybook,
  localInventory,
  prefixVars,
  recap,
  run,
  tempDir,
} from './helpers/ansible.js';
import { DIGEST_A } from './helpers/scripts.js';

const PLAYBOOKS = ['staging-deploy.yml', 'production-deploy.yml'] as const;

t.test('ansible-playbook --syntax-check passes for both playbooks', async (t) => {
  const dir = await tempDir(t, 'ansible-syntax');
  for (const [playbook, inventory] of [
    ['staging-deploy.yml', 'staging.yml'],
    ['production-deploy.yml', 'production.yml'],
  ] as const) {
    const r = await run(
      'ansible-playbook',
      [
        '--syntax-check',
        '-i',
        join(ansibleDir, 'inventory', inventory),
        join(ansibleDir, playbook),
      ],
      ansibleEnv(dir),
    );
    t.equal(r.code, 0, `${playbook}: ${r.stderr}`);
  }
  // The check can fail: a play with an unknown keyword is refused.
  const broken = join(dir, 'broken.yml');
  await writeFile(
    broken,
    '- hosts: all\n  tasks:\n    - name: x\n      no_such_module_keyword: {}\n',
  );
  const bad = await run(
    'ansible-playbook',
    ['--syntax-check', '-i', 'localhost,', broken],
    ansibleEnv(dir),
  );
  t.not(bad.code, 0, 'a broken playbook fails the syntax check');
});

t.test('the inventories parse and name their group', async (t) => {
  const dir = await tempDir(t, 'ansible-inventory');
  for (const group of ['staging', 'production']) {
    const r = await run(
      'ansible-inventory',
      ['-i', join(ansibleDir, 'inventory', `${group}.yml`), '--list'],
      ansibleEnv(dir),
    );
    t.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Record<string, { hosts?: string[] }>;
    t.ok((list[group]?.hosts ?? []).length > 0, `${group} has hosts`);
  }
});

t.test('ansible-lint passes with the production profile', async (t) => {
  const dir = await tempDir(t, 'ansible-lint');
  const r = await run(
    'ansible-lint',
    ['--profile', 'production', '--offline', '--nocolor', '-p', ...PLAYBOOKS],
    { ...ansibleEnv(dir), HOME: dir },
    ansibleDir,
  );
  t.equal(r.code, 0, r.stdout + r.stderr);
});

t.test('yamllint passes over ansible/ (ansible/.yamllint)', async (t) => {
  const r = await run('yamllint', ['-s', '-c', join(ansibleDir, '.yamllint'), ansibleDir]);
  t.equal(r.code, 0, r.stdout + r.stderr);
});

/** Inputs each playbook must refuse, and the message that names the problem. */
const BAD_INPUTS: Array<{ name: string; vars: Record<string, unknown>; message: RegExp }> = [
  { name: 'no digest', vars: {}, message: /image_digest must be sha256:<64 hex>.*\(not set\)/ },
  { name: 'a tag', vars: { image_digest: 'latest' }, message: /image_digest must be sha256/ },
  {
    name: 'upper-case hex',
    vars: { image_digest: `sha256:${'A'.repeat(64)}` },
    message: /image_digest must be sha256/,
  },
  {
    name: '63 hex digits',
    vars: { image_digest: `sha256:${'a'.repeat(63)}` },
    message: /image_digest must be sha256/,
  },
  {
    name: 'a trailing newline',
    vars: { image_digest: `${DIGEST_A}\n` },
    message: /image_digest must be sha256/,
  },
  {
    name: 'tag@digest',
    vars: { image_digest: `1.0.0@${DIGEST_A}` },
    message: /image_digest must be sha256/,
  },
  {
    name: 'sha512',
    vars: { image_digest: `sha512:${'a'.repeat(128)}` },
    message: /image_digest must be sha256/,
  },
  { name: 'a number', vars: { image_digest: 42 }, message: /image_digest must be sha256/ },
  {
    name: 'a repository with a tag',
    vars: { image_digest: DIGEST_A, image_repository: 'registry.test/app:1.0' },
    message: /image_repository must be host\[:port\]\/path/,
  },
  {
    name: 'an unknown mode',
    vars: { image_digest: DIGEST_A, deploy_mode: 'yolo' },
    message: /deploy_mode must be one of/,
  },
];

t.test('the input checks refuse anything but a digest (tasks/validate-input.yml)', async (t) => {
  // One ansible-playbook run, one play per input: each play includes the playbooks' input
  // checks and prints REFUSED or ACCEPTED with the message.
  const dir = await tempDir(t, 'ansible-validate');
  const cases = [
    ...BAD_INPUTS.map((b) => ({ ...b, refused: true })),
    { name: 'a digest', vars: { image_digest: DIGEST_A }, message: /^$/, refused: false },
    {
      name: 'a registry with a port',
      vars: { image_digest: DIGEST_A, image_repository: '127.0.0.1:5000/acme/app' },
      message: /^$/,
      refused: false,
    },
  ];
  const plays = cases.map((c, i) => ({
    name: `case ${i}`,
    hosts: 'localhost',
    connection: 'local',
    gather_facts: false,
    vars: {
      deploy_mode: 'deploy',
      image_repository: 'registry.test/acme/app',
      allowed_modes: ['deploy', 'rollback'],
      digest_required: true,
      ...c.vars,
    },
    tasks: [
      {
        name: 'check',
        block: [
          {
            name: 'inputs',
            'ansible.builtin.include_tasks': join(ansibleDir, 'tasks', 'validate-input.yml'),
          },
          { name: 'accepted', 'ansible.builtin.debug': { msg: `ACCEPTED ${i}` } },
        ],
        rescue: [
          {
            name: 'refused',
            'ansible.builtin.debug': { msg: `REFUSED ${i}: {{ ansible_failed_result.msg }}` },
          },
        ],
      },
    ],
  }));
  const playbook = join(dir, 'validate.yml');
  await writeFile(playbook, JSON.stringify(plays));
  const r = await run('ansible-playbook', ['-i', 'localhost,', playbook], ansibleEnv(dir));
  t.equal(r.code, 0, r.stderr);
  cases.forEach((c, i) => {
    const line = new RegExp(`"msg": "(REFUSED|ACCEPTED) ${i}(: [^\\n]*)?"`).exec(r.stdout);
    t.ok(line, `${c.name}: the check ran`);
    t.equal(line?.[1], c.refused ? 'REFUSED' : 'ACCEPTED', c.name);
    if (c.refused) t.match(line?.[2] ?? '', c.message, `${c.name}: the message names the problem`);
  });
});

t.test('both playbooks run the input checks before touching a host', async (t) => {
  const dir = await tempDir(t, 'ansible-input');
  const prefix = join(dir, 'prefix');
  const base = prefixVars(prefix, { http: 1, https: 2 });
  for (const playbook of PLAYBOOKS) {
    const group = playbook.startsWith('staging') ? 'staging' : 'production';
    const inventory = await localInventory(dir, group);
    for (const bad of BAD_INPUTS.slice(0, 2)) {
      const vars = { ...base, image_repository: 'registry.test/acme/app', ...bad.vars };
      const r = await ansiblePlaybook(dir, playbook, inventory, vars);
      t.not(r.code, 0, `${playbook}, ${bad.name}: refused`);
      t.match(r.stdout, bad.message, `${playbook}, ${bad.name}: the message names the problem`);
      t.notOk(recap(r.stdout).localhost?.changed, `${playbook}, ${bad.name}: nothing changed`);
    }
  }
  // Rollback is production's alone.
  const staging = await localInventory(dir, 'staging');
  const r = await ansiblePlaybook(dir, 'staging-deploy.yml', staging, {
    ...base,
    image_repository: 'registry.test/acme/app',
    image_digest: DIGEST_A,
    deploy_mode: 'rollback',
  });
  t.not(r.code, 0, 'staging has no rollback mode');
  t.match(r.stdout, /deploy_mode must be one of deploy, got 'rollback'/);
  t.notOk((await readdir(dir)).includes('prefix'), 'the prefix was never created');
});

t.test('production rollback mode without a digest needs a recorded rollback target', async (t) => {
  const dir = await tempDir(t, 'ansible-rollback-input');
  const prefix = join(dir, 'prefix');
  const inventory = await localInventory(dir, 'production');
  const r = await ansiblePlaybook(dir, 'production-deploy.yml', inventory, {
    ...prefixVars(prefix, { http: 1, https: 2 }),
    image_repository: 'registry.test/acme/app',
    deploy_mode: 'rollback',
  });
  t.not(r.code, 0, 'refused');
  t.match(r.stdout, /rollback: no image_digest given and no rollback target recorded/);
  t.notOk((await readdir(dir)).includes('prefix'), 'nothing written');
});
