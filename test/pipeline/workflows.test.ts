// The delivery pipeline's design rules (docs/github-actions.md), checked on the workflows
// parsed with the `yaml` library. Each rule also runs on a copy broken on purpose, to see it
// report: a rule that cannot fail proves nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { root } from './helpers/scripts.js';
import { ALL_RULES, type Workflows } from './helpers/workflow-rules.js';
import { loadWorkflows, type Node, triggers } from './helpers/workflows.js';

const workflows = loadWorkflows();
/** expr writes a GitHub expression, `${{ x }}`. */
const expr = (x: string): string => `\${{ ${x} }}`;

/** broken returns a deep copy of the workflows with `edit` applied to one of them. */
function broken(file: string, edit: (doc: Node) => void, text?: (s: string) => string): Workflows {
  const copy: Workflows = new Map();
  for (const [f, w] of workflows) {
    const doc = structuredClone(w.doc);
    if (f === file) edit(doc);
    copy.set(f, { file: f, doc, text: f === file && text ? text(w.text) : w.text });
  }
  return copy;
}

t.test('the pipeline workflows are all there', async (t) => {
  for (const f of [
    'ci.yml',
    'dependency-check.yml',
    'docker-build.yml',
    'image-promotion.yml',
    'prod-deploy.yml',
    'production-verification.yml',
    'rollback.yml',
    'stg-deploy.yml',
    'workflow-coordinator.yml',
  ]) {
    t.ok(workflows.has(f), f);
  }
});

t.test('every design rule holds', async (t) => {
  for (const [name, rule] of Object.entries(ALL_RULES)) {
    t.strictSame(rule(workflows), [], name);
  }
});

// Each control breaks one thing and expects the rule to name it.
const controls: Array<
  [keyof typeof ALL_RULES, string, (d: Node) => void, RegExp, ((s: string) => string)?]
> = [
  [
    'noWorkflowRun',
    'rollback.yml',
    (d) => {
      d.on.workflow_run = { workflows: ['x'] };
    },
    /rollback\.yml: workflow_run/,
  ],
  [
    'leastPrivilege',
    'stg-deploy.yml',
    (d) => {
      d.permissions = { contents: 'read' };
    },
    /top-level permissions must be \{\}/,
  ],
  [
    'leastPrivilege',
    'rollback.yml',
    (d) => {
      delete d.jobs.rollback.permissions;
    },
    /rollback: no permissions map/,
  ],
  [
    'writePermissions',
    'dependency-check.yml',
    (d) => {
      d.jobs.check.permissions.packages = 'write';
    },
    /check: writes \[packages\], expected \[\]/,
  ],
  [
    'writePermissions',
    'workflow-coordinator.yml',
    (d) => {
      delete d.jobs.build.permissions['id-token'];
    },
    /does not grant id-token: write/,
  ],
  [
    'shaPins',
    'ci.yml',
    () => {},
    /actions\/checkout@v4 is not pinned/,
    (s) => s.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4'),
  ],
  [
    'shaPins',
    'stg-deploy.yml',
    () => {},
    /has no "# vX.Y.Z" comment/,
    (s) => s.replace(/ # v\d+\.\d+\.\d+/, ''),
  ],
  [
    'noExpressionInRun',
    'rollback.yml',
    (d) => {
      d.jobs.rollback.steps[1].run += `
echo "${expr('inputs.reason')}"`;
    },
    /rollback step 2 \(Check the inputs\): \$\{\{ \}\} in run/,
  ],
  [
    'secretsWhereUsed',
    'prod-deploy.yml',
    (d) => {
      d.jobs.deploy.env.KEY = expr('secrets.DEPLOY_SSH_KEY');
    },
    /secret in the job-level env/,
  ],
  [
    'secretsWhereUsed',
    'workflow-coordinator.yml',
    () => {},
    /secrets: inherit/,
    (s) => `${s}\n# secrets: inherit\n`,
  ],
  [
    'digestInputsValidated',
    'stg-deploy.yml',
    (d) => {
      d.jobs.deploy.steps.splice(1, 1);
    },
    /uses inputs\.digest before check-digest\.sh/,
  ],
  [
    'digestInputsValidated',
    'dependency-check.yml',
    (d) => {
      d.on.workflow_dispatch.inputs.digest.type = 'choice';
    },
    /workflow_dispatch input digest is not a string/,
  ],
  [
    'reusableContracts',
    'workflow-coordinator.yml',
    (d) => {
      d.jobs.staging.with.image = 'x';
    },
    /input image is not declared by stg-deploy\.yml/,
  ],
  [
    'reusableContracts',
    'workflow-coordinator.yml',
    (d) => {
      delete d.jobs.production.secrets.DEPLOY_SSH_KEY;
    },
    /required secret DEPLOY_SSH_KEY of prod-deploy\.yml not passed/,
  ],
  [
    'reusableContracts',
    'image-promotion.yml',
    (d) => {
      delete d.on.workflow_call.outputs.digest;
    },
    /needs\.promotion\.outputs\.digest is not declared/,
  ],
  [
    'reusableContracts',
    'prod-deploy.yml',
    (d) => {
      d.jobs.rollback.with.tag = expr('needs.verify.outputs.tag');
    },
    /needs\.verify\.outputs\.tag is not declared/,
  ],
  [
    'pipelineGraph',
    'workflow-coordinator.yml',
    (d) => {
      d.jobs.promotion.needs = ['build'];
    },
    /promotion does not need staging/,
  ],
  [
    'pipelineGraph',
    'workflow-coordinator.yml',
    (d) => {
      d.jobs.production.with.digest = expr('needs.build.outputs.digest');
    },
    /production: digest must be/,
  ],
  [
    'pipelineGraph',
    'prod-deploy.yml',
    (d) => {
      d.jobs.rollback.if = 'failure()';
    },
    /must run when verify failed/,
  ],
  [
    'pipelineGraph',
    'prod-deploy.yml',
    (d) => {
      d.jobs.rollback.if = "always() && needs.verify.result == 'failure'";
    },
    /rollback: must also run when needs\.deploy\.outputs\.release-failed == 'true'/,
  ],
  [
    'pipelineGraph',
    'prod-deploy.yml',
    (d) => {
      delete d.jobs['failed-verification'];
    },
    /fails the run loudly/,
  ],
  [
    'environments',
    'image-promotion.yml',
    (d) => {
      delete d.jobs.promote.environment;
    },
    /promote: environment undefined, expected/,
  ],
  [
    'concurrency',
    'rollback.yml',
    (d) => {
      d.jobs.rollback.concurrency.group = 'rollback-production';
    },
    /production: its deploy and rollback jobs must share one group, found deploy-production, rollback-production/,
  ],
  [
    'concurrency',
    'rollback.yml',
    (d) => {
      d.jobs.rollback.concurrency['cancel-in-progress'] = true;
    },
    /rollback\.yml rollback: concurrency must set cancel-in-progress: false/,
  ],
  [
    'concurrency',
    'rollback.yml',
    (d) => {
      delete d.jobs.rollback.concurrency;
    },
    /rollback\.yml rollback: deploys to production without a concurrency group/,
  ],
  [
    'concurrency',
    'prod-deploy.yml',
    (d) => {
      d.jobs.deploy.concurrency.group = `deploy-production-${expr('github.run_id')}`;
    },
    /prod-deploy\.yml deploy: concurrency group deploy-production-\$\{\{ github\.run_id \}\} is not a fixed name/,
  ],
  [
    'concurrency',
    'prod-deploy.yml',
    (d) => {
      d.jobs.deploy.concurrency['cancel-in-progress'] = true;
    },
    /deploy: concurrency must set cancel-in-progress: false/,
  ],
  [
    'concurrency',
    'stg-deploy.yml',
    (d) => {
      d.jobs.deploy.concurrency.group = 'deploy-production';
    },
    /group deploy-production is held by environments production, staging/,
  ],
  [
    'concurrency',
    'prod-deploy.yml',
    (d) => {
      d.jobs.rollback.concurrency = { group: 'deploy-production', 'cancel-in-progress': false };
    },
    /prod-deploy\.yml rollback: holds deploy-production, which rollback\.yml rollback waits for \(deadlock\)/,
  ],
  [
    'concurrency',
    'workflow-coordinator.yml',
    (d) => {
      d.concurrency.group = 'deploy-production';
    },
    /also a job group/,
  ],
];

t.test('each rule reports a workflow broken on purpose', async (t) => {
  for (const [rule, file, edit, want, text] of controls) {
    const problems = ALL_RULES[rule]!(broken(file, edit, text));
    t.match(problems.join('\n'), want, `${rule} on a broken ${file}`);
  }
});

t.test(
  'docker-build pushes an index with provenance and SBOM, attests it, outputs its digest',
  async (t) => {
    const build = workflows.get('docker-build.yml')!.doc.jobs.build;
    const step = (uses: RegExp) => build.steps.find((s: Node) => uses.test(String(s.uses ?? '')));
    const push = step(/^docker\/build-push-action@/);
    t.match(push.with, { context: 'examples/app', push: true, provenance: 'mode=max', sbom: true });
    const attest = step(/^actions\/attest-build-provenance@/);
    t.match(attest.with, {
      'push-to-registry': true,
      'subject-digest': expr('steps.digest.outputs.digest'),
    });
    const digest = build.steps.find((s: Node) => s.id === 'digest');
    t.match(digest.run, /check-digest\.sh "\$DIGEST"/, 'the output digest is checked');
    t.equal(digest.env.DIGEST, expr('steps.push.outputs.digest'));
    t.equal(build.outputs.digest, expr('steps.digest.outputs.digest'));
    const pr = workflows.get('docker-build.yml')!.doc.jobs['build-only'];
    t.strictSame(pr.permissions, { contents: 'read' }, 'the pull-request build can write nothing');
    t.equal(pr.if, "github.event_name == 'pull_request'");
    t.ok('pull_request' in triggers(workflows.get('docker-build.yml')!.doc));
  },
);

t.test('the promotion requires staging verification, semver, referrers; notifies', async (t) => {
  const steps = workflows.get('image-promotion.yml')!.doc.jobs.promote.steps as Node[];
  const promote = steps.find((s) => s.uses === './');
  t.match(promote.with, {
    semver: 'true',
    referrers: 'true',
    'require-verified': 'staging',
    'max-age': expr('vars.PROMOTION_MAX_AGE'),
    'notify-url': expr('secrets.NOTIFY_WEBHOOK_URL'),
  });
  t.notOk('extra-args' in promote.with, 'the gate is an input of the action, not extra-args');
  t.match(promote.with['require-referrer'], /vars\.REQUIRE_SIGNATURE == 'true'/);
  t.match(
    promote.with.source,
    /^\$\{\{ vars\.STAGING_REPOSITORY \}\}:\$\{\{ inputs\.version \}\}@\$\{\{ inputs\.digest \}\}$/,
  );
});

t.test('production deploy and rollback share one group, never cancelled midway', async (t) => {
  const deploy = workflows.get('prod-deploy.yml')!.doc.jobs.deploy;
  const rollback = workflows.get('rollback.yml')!.doc.jobs.rollback;
  t.equal(deploy.environment.name, 'production');
  t.equal(rollback.environment.name, 'production');
  t.equal(rollback.concurrency.group, deploy.concurrency.group);
  t.equal(deploy.concurrency['cancel-in-progress'], false);
  t.equal(rollback.concurrency['cancel-in-progress'], false);
});

t.test('deploy and rollback notify on success and failure; the webhook is optional', async (t) => {
  for (const [file, job] of [
    ['prod-deploy.yml', 'deploy'],
    ['rollback.yml', 'rollback'],
  ] as const) {
    const w = workflows.get(file)!.doc;
    const notify = (w.jobs[job].steps as Node[]).find((s) => /notify\.sh/.test(String(s.run)));
    t.equal(notify?.if, 'always()', `${file}: notifies whatever happened`);
    t.equal(notify?.env.NOTIFY_WEBHOOK_URL, expr('secrets.NOTIFY_WEBHOOK_URL'));
    t.equal(w.on.workflow_call.secrets.NOTIFY_WEBHOOK_URL.required, false);
  }
});

t.test('the stage workflows are each dispatchable with a digest input', async (t) => {
  for (const f of [
    'stg-deploy.yml',
    'image-promotion.yml',
    'dependency-check.yml',
    'prod-deploy.yml',
    'production-verification.yml',
    'rollback.yml',
  ]) {
    const on = triggers(workflows.get(f)!.doc);
    t.ok(on.workflow_call, `${f} is reusable`);
    t.ok(on.workflow_dispatch?.inputs?.digest, `${f} can be run by hand with a digest`);
  }
  t.ok(
    triggers(workflows.get('production-verification.yml')!.doc).schedule,
    'verification is scheduled',
  );
});

t.test('dependabot keeps the pinned actions current, grouped', async (t) => {
  const d = parse(readFileSync(join(root, '.github', 'dependabot.yml'), 'utf8'));
  const actions = d.updates.find((u: Node) => u['package-ecosystem'] === 'github-actions');
  t.equal(actions?.directory, '/');
  t.ok(Object.keys(actions?.groups ?? {}).length > 0, 'grouped');
});
