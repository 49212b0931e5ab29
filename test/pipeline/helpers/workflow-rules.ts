// The design rules of the delivery pipeline (docs/github-actions.md, "Design rules"), each a
// function from the parsed workflows to the problems found (empty: the rule holds). The
// tests run them on the real workflows and on broken copies, to see each rule can fail.
import { calledFile, jobsOf, type Node, needsOf, triggers, type Workflow } from './workflows.js';

export type Workflows = Map<string, Workflow>;
type Rule = (w: Workflows) => string[];

const expr = (x: string) => `\${{ ${x} }}`;
const isExpr = (v: unknown, x: string) => typeof v === 'string' && v.trim() === expr(x);

/** No `workflow_run` chains: stages are reusable workflows called with `needs:`. */
export const noWorkflowRun: Rule = (ws) =>
  [...ws.values()]
    .filter((w) => 'workflow_run' in triggers(w.doc))
    .map((w) => `${w.file}: workflow_run`);

/** `permissions: {}` at the top of every workflow, and a permissions map on every job. */
export const leastPrivilege: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    const top = w.doc.permissions;
    if (!top || typeof top !== 'object' || Object.keys(top).length > 0) {
      out.push(`${w.file}: top-level permissions must be {}`);
    }
    for (const [name, job] of jobsOf(w)) {
      if (!job.permissions || typeof job.permissions !== 'object') {
        out.push(`${w.file} ${name}: no permissions map`);
      }
    }
  }
  return out;
};

/** Exactly these write permissions, job by job (anything else is read or none). */
export const EXPECTED_WRITES: Record<string, string[]> = {
  'docker-build.yml build': ['attestations', 'id-token', 'packages'],
  'stg-deploy.yml deploy': ['packages'],
  'image-promotion.yml promote': ['packages'],
  'prod-deploy.yml deploy': ['deployments'],
  'prod-deploy.yml verify': ['packages'],
  'prod-deploy.yml rollback': ['deployments', 'packages'],
  'production-verification.yml verify': ['packages'],
  'rollback.yml rollback': ['deployments', 'packages'],
  'workflow-coordinator.yml build': ['attestations', 'id-token', 'packages'],
  'workflow-coordinator.yml staging': ['packages'],
  'workflow-coordinator.yml promotion': ['packages'],
  'workflow-coordinator.yml production': ['deployments', 'packages'],
};

export const writePermissions: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    for (const [name, job] of jobsOf(w)) {
      const writes = Object.entries(job.permissions ?? {})
        .filter(([, v]) => v === 'write')
        .map(([k]) => k)
        .sort();
      const want = EXPECTED_WRITES[`${w.file} ${name}`] ?? [];
      if (writes.join() !== want.join()) {
        out.push(`${w.file} ${name}: writes [${writes}], expected [${want}]`);
      }
      const callee = calledFile(job);
      if (callee && ws.has(callee)) {
        // A caller must grant at least what the called jobs ask for.
        for (const [cname, cjob] of jobsOf(ws.get(callee)!)) {
          for (const [k, v] of Object.entries(cjob.permissions ?? {})) {
            const granted = job.permissions?.[k];
            if (v === 'write' ? granted !== 'write' : !granted) {
              out.push(
                `${w.file} ${name}: does not grant ${k}: ${v} that ${callee} ${cname} needs`,
              );
            }
          }
        }
      }
    }
  }
  return out;
};

/** Third-party actions pinned by full commit SHA with a `# vX.Y.Z` comment. */
export const shaPins: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    w.text.split('\n').forEach((line, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
      if (!m) return;
      const [, ref, rest] = m as unknown as [string, string, string];
      if (ref === './' || /^\.\/\.github\/workflows\/[\w.-]+\.ya?ml$/.test(ref)) return;
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref)) {
        out.push(`${w.file}:${i + 1}: ${ref} is not pinned to a commit SHA`);
      } else if (!/^\s+# v\d+\.\d+\.\d+\s*$/.test(rest)) {
        out.push(`${w.file}:${i + 1}: ${ref} has no "# vX.Y.Z" comment`);
      }
    });
  }
  return out;
};

/** No `${{ }}` inside a `run:` script: values reach scripts through `env:`. */
export const noExpressionInRun: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    for (const [name, job] of jobsOf(w)) {
      for (const [i, s] of (job.steps ?? []).entries()) {
        if (typeof s.run === 'string' && s.run.includes('${{')) {
          out.push(
            `${w.file} ${name} step ${i + 1} (${s.name ?? s.uses ?? 'run'}): \${{ }} in run`,
          );
        }
      }
    }
  }
  return out;
};

/** No `secrets: inherit`, and no secret in a workflow-level `env:` (only jobs that use them). */
export const secretsWhereUsed: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    if (/secrets:\s*inherit/.test(w.text)) out.push(`${w.file}: secrets: inherit`);
    if (JSON.stringify(w.doc.env ?? {}).includes('secrets.')) {
      out.push(`${w.file}: a secret in the workflow-level env`);
    }
    for (const [name, job] of jobsOf(w)) {
      if (JSON.stringify(job.env ?? {}).includes('secrets.')) {
        out.push(`${w.file} ${name}: a secret in the job-level env (give it to the step)`);
      }
    }
  }
  return out;
};

const inputsOf = (w: Workflow, event: string): Record<string, Node> =>
  triggers(w.doc)[event]?.inputs ?? {};

/**
 * Every digest input (workflow_dispatch or workflow_call) is checked by
 * .github/scripts/check-digest.sh before a step uses it: in each job that reads it, the
 * first step that mentions the input (directly or through an env variable set from it)
 * runs check-digest.sh. Jobs calling a reusable workflow hand it on; the callee checks.
 */
export const digestInputsValidated: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    const names = new Set(
      ['workflow_dispatch', 'workflow_call'].flatMap((e) =>
        Object.keys(inputsOf(w, e)).filter((n) => /digest/.test(n)),
      ),
    );
    for (const input of names) {
      for (const e of ['workflow_dispatch', 'workflow_call']) {
        const spec = inputsOf(w, e)[input];
        if (spec && spec.type !== 'string')
          out.push(`${w.file}: ${e} input ${input} is not a string`);
      }
      let checked = false;
      for (const [name, job] of jobsOf(w)) {
        if (job.uses) {
          if (JSON.stringify(job.with ?? {}).includes(`inputs.${input}`)) checked = true;
          continue;
        }
        const vars = Object.entries(job.env ?? {})
          .filter(([, v]) => isExpr(v, `inputs.${input}`))
          .map(([k]) => k);
        const mentions = (s: Node) => {
          const stepVars = Object.entries(s.env ?? {})
            .filter(([, v]) => isExpr(v, `inputs.${input}`))
            .map(([k]) => k);
          const all = [...vars, ...stepVars];
          const text = JSON.stringify({ run: s.run, with: s.with });
          return (
            text.includes(`inputs.${input}`) ||
            all.some((v) => new RegExp(`\\$\\{?${v}\\b`).test(String(s.run ?? '')))
          );
        };
        const first = (job.steps ?? []).find(mentions);
        if (!first) continue;
        if (!/\.github\/scripts\/check-digest\.sh "\$/.test(String(first.run ?? ''))) {
          out.push(
            `${w.file} ${name}: "${first.name ?? first.uses}" uses inputs.${input} before check-digest.sh`,
          );
        } else checked = true;
      }
      if (!checked) out.push(`${w.file}: input ${input} is never checked with check-digest.sh`);
    }
  }
  return out;
};

/**
 * Every `uses: ./.github/workflows/x.yml` names a reusable workflow, passes only declared
 * inputs and secrets and every required one, and every `needs.<job>.outputs.<name>` read is
 * declared (by the called workflow, or by the job). Workflow outputs map declared job outputs.
 */
export const reusableContracts: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    const jobs = Object.fromEntries(jobsOf(w));
    for (const [name, job] of Object.entries(jobs) as Array<[string, Node]>) {
      const callee = calledFile(job);
      if (job.uses && !callee) out.push(`${w.file} ${name}: uses ${job.uses}`);
      if (!callee) continue;
      const target = ws.get(callee);
      const call = target && triggers(target.doc).workflow_call;
      if (!call) {
        out.push(`${w.file} ${name}: ${callee} is not a reusable workflow`);
        continue;
      }
      for (const [kind, given] of [
        ['input', job.with ?? {}],
        ['secret', job.secrets ?? {}],
      ] as const) {
        const declared: Record<string, Node> =
          (kind === 'input' ? call.inputs : call.secrets) ?? {};
        for (const k of Object.keys(given)) {
          if (!(k in declared))
            out.push(`${w.file} ${name}: ${kind} ${k} is not declared by ${callee}`);
        }
        for (const [k, spec] of Object.entries(declared)) {
          if (spec?.required === true && spec.default === undefined && !(k in given)) {
            out.push(`${w.file} ${name}: required ${kind} ${k} of ${callee} not passed`);
          }
        }
      }
    }
    // needs.<job>.outputs.<name> reads
    for (const m of JSON.stringify(w.doc).matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const [, j, o] = m as unknown as [string, string, string];
      const job: Node = jobs[j];
      if (!job) {
        out.push(`${w.file}: needs.${j} is not a job`);
        continue;
      }
      const callee = calledFile(job);
      const declared = callee
        ? (triggers(ws.get(callee)?.doc ?? {}).workflow_call?.outputs ?? {})
        : (job.outputs ?? {});
      if (!(o in declared)) out.push(`${w.file}: needs.${j}.outputs.${o} is not declared`);
    }
    for (const [o, spec] of Object.entries(triggers(w.doc).workflow_call?.outputs ?? {}) as Array<
      [string, Node]
    >) {
      const m = /^\$\{\{ jobs\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(String(spec?.value ?? ''));
      if (!m || !(m[2]! in (jobs[m[1]!]?.outputs ?? {}))) {
        out.push(`${w.file}: workflow output ${o} does not map a declared job output`);
      }
    }
  }
  return out;
};

const callerOf = (w: Workflow, file: string): [string, Node] | undefined =>
  jobsOf(w).find(([, j]) => calledFile(j) === file);

/** a needs b, directly or through other jobs. */
function dependsOn(w: Workflow, a: string, b: string): boolean {
  const jobs = Object.fromEntries(jobsOf(w));
  const seen = new Set<string>();
  const walk = (j: string): boolean =>
    needsOf(jobs[j] ?? {}).some((n) => {
      if (n === b) return true;
      if (seen.has(n)) return false;
      seen.add(n);
      return walk(n);
    });
  return walk(a);
}

/**
 * The pipeline graph: on push to main the coordinator runs build -> staging -> promotion ->
 * production, and production runs dependency check -> deploy -> verification -> (rollback on
 * a failed verification, then a job that fails the run). The digest goes from job output to
 * job input only.
 */
export const pipelineGraph: Rule = (ws) => {
  const out: string[] = [];
  const coord = ws.get('workflow-coordinator.yml');
  const prod = ws.get('prod-deploy.yml');
  if (!coord || !prod) return ['workflow-coordinator.yml and prod-deploy.yml must exist'];
  const on = triggers(coord.doc);
  if (JSON.stringify(on.push?.branches) !== '["main"]')
    out.push('coordinator: not on push to main');

  const stage = (w: Workflow, file: string) => {
    const c = callerOf(w, file);
    if (!c) out.push(`${w.file}: no job calls ${file}`);
    return c;
  };
  const chain = (w: Workflow, links: Array<[string, Node] | undefined>) => {
    for (let i = 1; i < links.length; i++) {
      const [a, b] = [links[i - 1], links[i]];
      if (a && b && !dependsOn(w, b[0], a[0])) out.push(`${w.file}: ${b[0]} does not need ${a[0]}`);
    }
  };
  const digestFrom = (w: Workflow, job: [string, Node] | undefined, from: string) => {
    if (job && !isExpr(job[1].with?.digest, from)) {
      out.push(`${w.file} ${job[0]}: digest must be ${expr(from)}, is ${job[1].with?.digest}`);
    }
  };

  const build = stage(coord, 'docker-build.yml');
  const staging = stage(coord, 'stg-deploy.yml');
  const promotion = stage(coord, 'image-promotion.yml');
  const production = stage(coord, 'prod-deploy.yml');
  chain(coord, [build, staging, promotion, production]);
  if (build) digestFrom(coord, staging, `needs.${build[0]}.outputs.digest`);
  if (staging) digestFrom(coord, promotion, `needs.${staging[0]}.outputs.digest`);
  if (promotion) digestFrom(coord, production, `needs.${promotion[0]}.outputs.digest`);

  const check = stage(prod, 'dependency-check.yml');
  const deploy = jobsOf(prod).find(
    ([, j]) => (j.environment?.name ?? j.environment) === 'production',
  );
  if (!deploy) out.push('prod-deploy.yml: no job deploys to the production environment');
  const verify = stage(prod, 'production-verification.yml');
  const rollback = stage(prod, 'rollback.yml');
  chain(prod, [check, deploy, verify, rollback]);
  digestFrom(prod, check, 'inputs.digest');
  if (deploy) digestFrom(prod, verify, `needs.${deploy[0]}.outputs.digest`);
  if (verify && rollback) {
    const cond = String(rollback[1].if ?? '');
    if (!cond.includes(`needs.${verify[0]}.result == 'failure'`) || !cond.includes('always()')) {
      out.push(
        `prod-deploy.yml ${rollback[0]}: must run when ${verify[0]} failed (always() && ...)`,
      );
    }
    // A host that failed its health checks during the deploy rolled itself back (the
    // playbook's rescue) and reported it: the registry tag goes back and the digest is held.
    if (deploy) {
      const failed = `needs.${deploy[0]}.outputs.release-failed == 'true'`;
      if (!cond.includes(failed) || !deploy[1].outputs?.['release-failed']) {
        out.push(`prod-deploy.yml ${rollback[0]}: must also run when ${failed}`);
      }
    }
    const loud = jobsOf(prod).find(
      ([n, j]) =>
        n !== rollback[0] &&
        needsOf(j).includes(verify[0]) &&
        String(j.if ?? '').includes(`needs.${verify[0]}.result == 'failure'`) &&
        (j.steps ?? []).some((s: Node) => /::error[^\n]*\n\s*exit 1/.test(String(s.run ?? ''))),
    );
    if (!loud) out.push('prod-deploy.yml: no job fails the run loudly after a failed verification');
  }
  return out;
};

/** Where the GitHub environments are, with their URLs; never on a reusable-workflow call. */
export const EXPECTED_ENVIRONMENTS: Record<string, { name: string; url?: string }> = {
  'stg-deploy.yml deploy': { name: 'staging', url: expr('vars.STAGING_URL') },
  'image-promotion.yml promote': { name: 'promotion' },
  'prod-deploy.yml deploy': { name: 'production', url: expr('vars.PRODUCTION_URL') },
  'rollback.yml rollback': { name: 'production', url: expr('vars.PRODUCTION_URL') },
};

export const environments: Rule = (ws) => {
  const out: string[] = [];
  for (const w of ws.values()) {
    for (const [name, job] of jobsOf(w)) {
      const env = job.environment;
      const got = env === undefined ? undefined : typeof env === 'string' ? { name: env } : env;
      const want = EXPECTED_ENVIRONMENTS[`${w.file} ${name}`];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        out.push(
          `${w.file} ${name}: environment ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
        );
      }
    }
  }
  return out;
};

/**
 * Deploys are serialised, never cancelled. Every job that deploys to an environment (it sets
 * `environment:`) holds that environment's one concurrency group: deploy and rollback of
 * production share a group, staging has its own. The group is a fixed name (an expression
 * such as github.run_id would give each run its own group and serialise nothing) that no
 * other environment's jobs hold. Every concurrency outside ci.yml has cancel-in-progress
 * false. No caller holds a group a job it calls waits for, and no workflow-level group is
 * also a job group (either would deadlock).
 */
export const concurrency: Rule = (ws) => {
  const out: string[] = [];
  const groupsOfEnvironment = new Map<string, Set<string>>();
  const environmentsOfGroup = new Map<string, Set<string>>();
  const add = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => m.set(k, (m.get(k) ?? new Set()).add(v));
  for (const w of ws.values()) {
    for (const [name, job] of jobsOf(w)) {
      const env = job.environment?.name ?? job.environment;
      if (env === undefined) continue;
      const group = job.concurrency?.group;
      if (typeof group !== 'string' || group === '') {
        out.push(`${w.file} ${name}: deploys to ${env} without a concurrency group`);
        continue;
      }
      if (group.includes('${{')) {
        out.push(`${w.file} ${name}: concurrency group ${group} is not a fixed name`);
      }
      add(groupsOfEnvironment, String(env), group);
      add(environmentsOfGroup, group, String(env));
    }
  }
  for (const [env, groups] of groupsOfEnvironment) {
    if (groups.size > 1) {
      out.push(
        `${env}: its deploy and rollback jobs must share one group, found ${[...groups].sort().join(', ')}`,
      );
    }
  }
  for (const [group, envs] of environmentsOfGroup) {
    if (envs.size > 1)
      out.push(`group ${group} is held by environments ${[...envs].sort().join(', ')}`);
  }
  if (!groupsOfEnvironment.has('production') || !groupsOfEnvironment.has('staging')) {
    out.push('no job deploys to the production and staging environments');
  }
  const jobGroups = new Set<string>();
  for (const w of ws.values()) {
    const all: Array<[string, Node]> = [
      ['(workflow)', w.doc.concurrency],
      ...jobsOf(w).map(([n, j]): [string, Node] => [n, j.concurrency]),
    ];
    for (const [name, c] of all) {
      if (c === undefined) continue;
      if (w.file === 'ci.yml') continue;
      if (typeof c !== 'object' || c['cancel-in-progress'] !== false) {
        out.push(`${w.file} ${name}: concurrency must set cancel-in-progress: false`);
      }
      if (name !== '(workflow)') jobGroups.add(c.group);
    }
    for (const [name, job] of jobsOf(w)) {
      const callee = calledFile(job);
      const group = job.concurrency?.group;
      if (!callee || !group || !ws.has(callee)) continue;
      for (const [cname, cjob] of jobsOf(ws.get(callee)!)) {
        if (cjob.concurrency?.group === group) {
          out.push(
            `${w.file} ${name}: holds ${group}, which ${callee} ${cname} waits for (deadlock)`,
          );
        }
      }
    }
  }
  for (const w of ws.values()) {
    const top = w.doc.concurrency?.group;
    if (top && jobGroups.has(top)) out.push(`${w.file}: workflow group ${top} is also a job group`);
  }
  return out;
};

export const ALL_RULES: Record<string, Rule> = {
  noWorkflowRun,
  leastPrivilege,
  writePermissions,
  shaPins,
  noExpressionInRun,
  secretsWhereUsed,
  digestInputsValidated,
  reusableContracts,
  pipelineGraph,
  environments,
  concurrency,
};
