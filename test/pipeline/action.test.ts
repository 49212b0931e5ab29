// The root action.yml (composite action): its structure (every input used is declared and
// every declared input used, outputs mapped from the step that writes $GITHUB_OUTPUT, no
// `${{ }}` inside a script), shellcheck over its scripts, and the argv its run script
// builds from inputs — run in bash against a stub CLI, with hostile inputs that must stay
// literal arguments. When the CLI has `promote`/`rollback`, the flags the action passes
// are checked against the CLI's --help.
//
// No YAML package is a dependency, so a small parser for the YAML subset action.yml uses
// (block maps, `- ` sequences of maps, `|`/`>-` block scalars, quoted and plain scalars)
// lives here. It refuses anything it does not understand rather than guessing.
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { outputValues } from '../../cli/github-actions.js';
import { runCli } from '../helpers/cli.js';

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const actionText = await readFile(join(root, 'action.yml'), 'utf8');

// ---------------------------------------------------------------------------------------------
// A YAML subset parser

type Yaml = string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

/** parseYamlSubset parses the block-style YAML subset action.yml is written in. */
export function parseYamlSubset(source: string): Yaml {
  const raw = source.split('\n');
  let i = 0;
  const peek = (): Line | undefined => {
    while (i < raw.length) {
      const text = raw[i]!;
      if (text.trim() === '' || text.trim().startsWith('#')) {
        i++;
        continue;
      }
      if (/^\s*\t/.test(text)) throw new Error(`line ${i + 1}: tab indentation`);
      return { indent: text.length - text.trimStart().length, text: text.trim(), no: i + 1 };
    }
    return undefined;
  };
  const scalar = (s: string, no: number): string => {
    if (s.startsWith('"')) {
      if (!s.endsWith('"') || s.length < 2) throw new Error(`line ${no}: unterminated "string"`);
      return JSON.parse(s) as string;
    }
    if (s.startsWith("'")) {
      if (!s.endsWith("'") || s.length < 2) throw new Error(`line ${no}: unterminated 'string'`);
      return s.slice(1, -1).replace(/''/g, "'");
    }
    if (/^[[{&*!|>%@`]/.test(s)) throw new Error(`line ${no}: unsupported YAML: ${s}`);
    return s.replace(/\s+#.*$/, '');
  };
  const blockScalar = (style: string, parentIndent: number): string => {
    const lines: string[] = [];
    let indent = -1;
    while (i < raw.length) {
      const text = raw[i]!;
      const ind = text.length - text.trimStart().length;
      if (text.trim() !== '' && ind <= parentIndent) break;
      if (text.trim() !== '' && indent < 0) indent = ind;
      lines.push(text);
      i++;
    }
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    const body = lines.map((l) => l.slice(Math.max(indent, 0)));
    if (style.startsWith('|')) return body.join('\n') + (style === '|-' ? '' : '\n');
    // Folded: lines joined by spaces, blank lines kept as line breaks.
    const folded = body.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ');
    return folded + (style === '>-' ? '' : '\n');
  };
  const value = (rest: string, indent: number, no: number): Yaml => {
    if (/^[|>][-+]?$/.test(rest)) return blockScalar(rest, indent);
    if (rest !== '') return scalar(rest, no);
    const next = peek();
    if (!next || next.indent <= indent) return '';
    return block(next.indent);
  };
  const map = (indent: number): YamlMap => {
    const out: YamlMap = {};
    for (let line = peek(); line && line.indent === indent; line = peek()) {
      if (line.text.startsWith('- ')) break;
      const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.text);
      if (!m) throw new Error(`line ${line.no}: expected "key: value", got ${line.text}`);
      if (m[1]! in out) throw new Error(`line ${line.no}: duplicate key ${m[1]}`);
      i++;
      out[m[1]!] = value((m[2] ?? '').trim(), indent, line.no);
    }
    return out;
  };
  const seq = (indent: number): Yaml[] => {
    const out: Yaml[] = [];
    for (let line = peek(); line && line.indent === indent; line = peek()) {
      if (!line.text.startsWith('- ')) break;
      const item = line.text.slice(2).trim();
      if (!/^[A-Za-z0-9_.-]+:(\s|$)/.test(item)) {
        i++;
        out.push(scalar(item, line.no));
        continue;
      }
      // `- key: value` opens a map indented two more: rewrite the dash as spaces.
      raw[i] = `${' '.repeat(indent)}  ${item}`;
      out.push(block(indent + 2));
    }
    return out;
  };
  const block = (indent: number): Yaml => {
    const first = peek();
    if (!first) return '';
    return first.text.startsWith('- ') ? seq(indent) : map(indent);
  };
  const doc = block(0);
  const rest = peek();
  if (rest) throw new Error(`line ${rest.no}: unexpected indentation`);
  return doc;
}

/** expr writes a GitHub expression, `${{ x }}`. */
const expr = (x: string): string => `\${{ ${x} }}`;

const asMap = (y: Yaml | undefined, what: string): YamlMap => {
  if (!y || typeof y !== 'object' || Array.isArray(y)) throw new Error(`${what} is not a map`);
  return y;
};
const asStr = (y: Yaml | undefined): string | undefined => (typeof y === 'string' ? y : undefined);

t.test('the YAML subset parser', async (t) => {
  t.strictSame(
    parseYamlSubset(
      'a: 1\nb:\n  c: "x: y"\n  d: |\n    line 1\n\n    line 2\ne:\n  - name: n\n    run: r # c\n  - k: v\nf: >-\n  one\n  two\ng:\n  - 5000:5000\n  - main\n',
    ),
    {
      a: '1',
      b: { c: 'x: y', d: 'line 1\n\nline 2\n' },
      e: [{ name: 'n', run: 'r' }, { k: 'v' }],
      f: 'one two',
      g: ['5000:5000', 'main'],
    },
  );
  t.throws(() => parseYamlSubset('a: [1, 2]\n'), /unsupported/);
  t.throws(() => parseYamlSubset('a: 1\na: 2\n'), /duplicate/);
  t.throws(() => parseYamlSubset('a: 1\n   b: 2\n'), /unexpected indentation/);
});

const action = asMap(parseYamlSubset(actionText), 'action.yml');
const inputs = asMap(action.inputs, 'inputs');
const outputs = asMap(action.outputs, 'outputs');
const runs = asMap(action.runs, 'runs');
const steps = (runs.steps as Yaml[]).map((s, n) => asMap(s, `step ${n}`));
const runStep = steps.find((s) => s.id === 'run');

// ---------------------------------------------------------------------------------------------
// Structure

t.test('a composite action with name, description and steps', async (t) => {
  t.equal(runs.using, 'composite');
  t.ok(asStr(action.name));
  t.ok(asStr(action.description));
  t.ok(steps.length >= 2);
  t.ok(runStep, 'a step with id "run" runs the CLI');
  for (const s of steps) {
    t.ok(asStr(s.name), 'every step is named');
    if (s.run !== undefined)
      t.equal(s.shell, 'bash', `${s.name}: composite run steps name their shell`);
  }
});

t.test('every input used is declared, and every declared input is used', async (t) => {
  const used = new Set([...actionText.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!));
  const declared = new Set(Object.keys(inputs));
  for (const name of used) t.ok(declared.has(name), `inputs.${name} is declared`);
  for (const name of declared) t.ok(used.has(name), `input ${name} is used`);
  t.strictSame(
    [...declared].sort(),
    [
      'allow-overwrite',
      'audit-log',
      'command',
      'dry-run',
      'extra-args',
      'notify-url',
      'referrers',
      'require-referrer',
      'semver',
      'source',
      'steps',
      'tags',
      'target',
      'to',
      'to-digest',
      'token',
    ],
    'the documented inputs',
  );
  for (const [name, spec] of Object.entries(inputs)) {
    const s = asMap(spec, `input ${name}`);
    t.ok(asStr(s.description), `input ${name} is described`);
    t.equal(
      typeof s.default,
      'string',
      `input ${name} has a default (composite inputs are strings)`,
    );
  }
});

t.test('outputs are the CLI contract, each mapped from the run step', async (t) => {
  const contract = Object.keys(
    outputValues({
      repository: 'r',
      tag: 't',
      digest: 'd',
      previousDigest: 'p',
      record: null,
      dryRun: false,
    }),
  ).sort();
  t.strictSame(Object.keys(outputs).sort(), contract, 'the outputs cli/github-actions.ts writes');
  for (const [name, spec] of Object.entries(outputs)) {
    const s = asMap(spec, `output ${name}`);
    t.ok(asStr(s.description), `output ${name} is described`);
    t.equal(
      s.value,
      `\${{ steps.run.outputs.${name} }}`,
      `output ${name} maps steps.run.outputs.${name}`,
    );
  }
});

t.test('scripts never interpolate expressions: inputs reach them through env', async (t) => {
  for (const s of steps) {
    const run = asStr(s.run);
    if (run === undefined) continue;
    t.notMatch(run, /\$\{\{/, `${s.name}: no \${{ }} inside the script`);
  }
  const env = asMap(runStep?.env, 'run step env');
  for (const name of Object.keys(inputs)) {
    const entry = Object.entries(env).find(([, v]) => v === `\${{ inputs.${name} }}`);
    t.ok(entry, `input ${name} is passed to the run step through env`);
    if (entry) {
      t.match(
        asStr(runStep?.run),
        new RegExp(`\\$\\{?${entry[0]}\\b`),
        `the script reads $${entry[0]}`,
      );
    }
  }
  for (const [k, v] of Object.entries(env)) {
    t.match(v, /^\$\{\{ (inputs\.[a-z-]+|github\.token) \}\}$/, `env ${k} is one plain expression`);
  }
});

t.test('the install step runs in the action folder; the CLI is started from it', async (t) => {
  const install = steps[0]!;
  t.equal(install['working-directory'], expr('github.action_path'));
  t.match(asStr(install.run), /npm ci\b/);
  t.match(
    asStr(runStep?.run),
    `exec node "$GITHUB_ACTION_PATH/dist/oci-promote.mjs" "\${args[@]}"`,
  );
});

// ---------------------------------------------------------------------------------------------
// shellcheck

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

t.test(
  'shellcheck passes on every run script',
  { skip: !hasShellcheck && 'shellcheck is not installed (CI installs it)' },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'oci-promote-action-sc-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    for (const [n, s] of steps.entries()) {
      const run = asStr(s.run);
      if (run === undefined) continue;
      const file = join(dir, `step-${n}.sh`);
      await writeFile(file, `#!/usr/bin/env bash\n${run}`);
      const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], {
        encoding: 'utf8',
      });
      t.equal(r.status, 0, `${s.name}: shellcheck\n${r.stdout}${r.stderr}`);
    }
  },
);

// ---------------------------------------------------------------------------------------------
// The run script, executed in bash against a stub CLI

const stubDir = await mkdtemp(join(tmpdir(), 'oci-promote-action-run-'));
t.teardown(() => rm(stubDir, { recursive: true, force: true }));
await mkdir(join(stubDir, 'dist'), { recursive: true });
await writeFile(
  join(stubDir, 'dist', 'oci-promote.mjs'),
  `const hidden = ['INPUT_TOKEN', 'JOB_TOKEN', 'INPUT_NOTIFY_URL'];
console.log(JSON.stringify({
  argv: process.argv.slice(2),
  token: process.env.GITHUB_TOKEN ?? null,
  leaked: hidden.filter((k) => k in process.env),
}));
`,
);
const runScript = join(stubDir, 'run.sh');
await writeFile(runScript, asStr(runStep?.run) ?? '');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  argv?: string[];
  token?: string | null;
  leaked?: string[];
}

/**
 * runAction evaluates the run step's env the way the runner would for these `with:`
 * values (each `${{ inputs.x }}` is the value given, else the input's default), then
 * runs the script with bash in a clean environment.
 */
async function runAction(
  withInputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  for (const k of Object.keys(withInputs)) if (!(k in inputs)) throw new Error(`no input ${k}`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GITHUB_ACTION_PATH: stubDir,
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(asMap(runStep?.env, 'env'))) {
    const m = /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(String(v));
    if (m) env[k] = withInputs[m[1]!] ?? asStr(asMap(inputs[m[1]!], m[1]!).default) ?? '';
    else if (v === expr('github.token')) env[k] = 'job-token';
    else throw new Error(`cannot evaluate ${k}: ${v}`);
  }
  try {
    const { stdout, stderr } = await execFileAsync('bash', [runScript], { env, cwd: stubDir });
    return { code: 0, stdout, stderr, ...(JSON.parse(stdout) as object) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const SRC = 'ghcr.io/o/staging/app:1.2.3';
const TO = 'ghcr.io/o/app';

t.test('promote: the minimal argv', async (t) => {
  const r = await runAction({ source: SRC, to: TO });
  t.equal(r.code, 0, r.stderr);
  t.strictSame(r.argv, ['promote', SRC, '--to', TO]);
});

t.test('promote: every input', async (t) => {
  const r = await runAction({
    source: SRC,
    to: TO,
    tags: ' 1.2.3, stable\n\n prod ,',
    semver: 'true',
    'allow-overwrite': 'TRUE',
    'require-referrer': 'application/vnd.dev.cosign.artifact.sig.v1+json\napplication/spdx+json\n',
    referrers: 'True',
    'dry-run': 'true',
    'audit-log': 'audit log.jsonl',
    'notify-url': 'https://hooks.slack.com/services/T/B/secret',
    'extra-args': '--platform linux/amd64\n  --jobs   8 *',
  });
  t.equal(r.code, 0, r.stderr);
  t.strictSame(r.argv, [
    'promote',
    SRC,
    '--to',
    TO,
    '--tag',
    '1.2.3',
    '--tag',
    'stable',
    '--tag',
    'prod',
    '--semver',
    '--allow-overwrite',
    '--require-referrer',
    'application/vnd.dev.cosign.artifact.sig.v1+json',
    '--require-referrer',
    'application/spdx+json',
    '--referrers',
    '--dry-run',
    '--audit-log',
    'audit log.jsonl',
    '--notify-url',
    'https://hooks.slack.com/services/T/B/secret',
    '--platform',
    'linux/amd64',
    '--jobs',
    '8',
    '*',
  ]);
});

t.test('booleans: false and empty add nothing; anything else is refused', async (t) => {
  const off = await runAction({ source: SRC, to: TO, semver: 'false', referrers: '' });
  t.strictSame(off.argv, ['promote', SRC, '--to', TO]);
  const bad = await runAction({ source: SRC, to: TO, semver: 'yes' });
  t.equal(bad.code, 2);
  t.equal(
    bad.stdout,
    "::error title=oci-promote action::input semver must be true or false, got 'yes'\n",
  );
});

t.test('hostile inputs stay literal arguments', async (t) => {
  const marker = join(stubDir, 'pwned');
  const evil = `$(touch ${marker})`;
  const r = await runAction({
    source: `${SRC}\`touch ${marker}\``,
    to: `${TO}; touch ${marker}`,
    tags: `${evil},"quoted" 'x'`,
    'audit-log': `${evil}`,
    'extra-args': `${evil} $HOME`,
  });
  t.equal(r.code, 0, r.stderr);
  t.strictSame(r.argv, [
    'promote',
    `${SRC}\`touch ${marker}\``,
    '--to',
    `${TO}; touch ${marker}`,
    '--tag',
    evil,
    '--tag',
    `"quoted" 'x'`,
    '--audit-log',
    evil,
    '$(touch',
    `${marker})`,
    '$HOME',
  ]);
  await t.rejects(stat(marker), { code: 'ENOENT' }, 'nothing ran');
});

t.test('an input cannot start a workflow command in an error', async (t) => {
  const r = await runAction({ command: 'nope\n::add-mask::x %' });
  t.equal(r.code, 2);
  t.equal(
    r.stdout,
    "::error title=oci-promote action::input command must be promote or rollback, got 'nope%0A::add-mask::x %25'\n",
  );
});

t.test('promote: source and to are required; rollback inputs are refused', async (t) => {
  t.match((await runAction({ to: TO })).stdout, 'input source is required for promote');
  t.match((await runAction({ source: SRC })).stdout, 'input to is required for promote');
  const r = await runAction({ source: SRC, to: TO, steps: '2' });
  t.equal(r.code, 2);
  t.match(r.stdout, 'inputs target, steps and to-digest are for rollback');
});

t.test('rollback', async (t) => {
  const one = await runAction({ command: 'rollback', target: `${TO}:prod` });
  t.strictSame(one.argv, ['rollback', `${TO}:prod`]);
  const d = `sha256:${'a'.repeat(64)}`;
  const r = await runAction({
    command: 'rollback',
    target: `${TO}:prod`,
    steps: '2',
    'to-digest': d,
    'dry-run': 'true',
    'audit-log': 'a.jsonl',
  });
  t.strictSame(r.argv, [
    'rollback',
    `${TO}:prod`,
    '--steps',
    '2',
    '--to',
    d,
    '--dry-run',
    '--audit-log',
    'a.jsonl',
  ]);
  const missing = await runAction({ command: 'rollback' });
  t.equal(missing.code, 2);
  t.match(missing.stdout, 'input target (host/path:tag) is required for rollback');
  const mixed = await runAction({ command: 'rollback', target: `${TO}:prod`, tags: 'x' });
  t.match(mixed.stdout, 'inputs source, to and tags are for promote');
});

t.test('ghcr.io token: the input, else the caller GITHUB_TOKEN, else the job token', async (t) => {
  const base = { source: SRC, to: TO };
  t.equal((await runAction({ ...base, token: 'pat' }, { GITHUB_TOKEN: 'caller' })).token, 'pat');
  t.equal((await runAction(base, { GITHUB_TOKEN: 'caller' })).token, 'caller');
  t.equal((await runAction(base)).token, 'job-token');
  const r = await runAction({ ...base, token: 'pat', 'notify-url': 'https://x/secret' });
  t.strictSame(r.leaked, [], 'the token and notify-url variables are not passed on to the CLI');
});

// ---------------------------------------------------------------------------------------------
// The flags the action passes exist in the CLI

async function cliHelp(command: string): Promise<string> {
  const r = await runCli([command, '--help']);
  if (r.code !== 0 || !r.stdout.includes(`oci-promote ${command}`)) {
    throw new Error(`oci-promote ${command} --help failed: ${r.stderr}`);
  }
  return r.stdout;
}

const promoteHelp = await cliHelp('promote');
const rollbackHelp = await cliHelp('rollback');

t.test('the CLI accepts the promote flags the action passes', async (t) => {
  const flags = [
    '--to',
    '--tag',
    '--semver',
    '--allow-overwrite',
    '--require-referrer',
    '--referrers',
    '--dry-run',
    '--audit-log',
    '--notify-url',
  ];
  for (const f of flags) t.match(promoteHelp, new RegExp(`${f}\\b`), `promote ${f}`);
});

t.test('the CLI accepts the rollback flags the action passes', async (t) => {
  for (const f of ['--steps', '--to', '--dry-run', '--audit-log', '--notify-url']) {
    t.match(rollbackHelp, new RegExp(`${f}\\b`), `rollback ${f}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Workflows that use the action (`uses: ./`)

const workflowDir = join(root, '.github', 'workflows');
const workflowFiles = (await readdir(workflowDir).catch(() => [] as string[])).filter((f) =>
  /\.ya?ml$/.test(f),
);

t.test(
  'workflows: every `uses: ./` passes declared inputs; outputs read are declared',
  { skip: workflowFiles.length === 0 && 'no workflows' },
  async (t) => {
    for (const file of workflowFiles) {
      // Workflows use more YAML than action.yml (flow maps, booleans): the yaml library reads them.
      const wf = asMap(parseYaml(await readFile(join(workflowDir, file), 'utf8')), file);
      for (const [jobName, job] of Object.entries(asMap(wf.jobs, `${file} jobs`))) {
        const jobSteps = ((asMap(job, jobName).steps ?? []) as Yaml[]).map((s, n) =>
          asMap(s, `${jobName} ${n}`),
        );
        const local = new Set<string>();
        for (const s of jobSteps) {
          if (s.uses !== './') continue;
          if (typeof s.id === 'string') local.add(s.id);
          for (const k of Object.keys(asMap(s.with ?? {}, 'with'))) {
            t.ok(k in inputs, `${file} ${jobName} "${s.name}": input ${k} is declared`);
          }
        }
        const text = JSON.stringify(jobSteps);
        for (const m of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
          if (!local.has(m[1]!)) continue;
          t.ok(
            m[2]! in outputs,
            `${file} ${jobName}: steps.${m[1]}.outputs.${m[2]} is an output of the action`,
          );
        }
        for (const s of jobSteps) {
          const run = asStr(s.run);
          if (run !== undefined)
            t.notMatch(run, /\$\{\{/, `${file} ${jobName} "${s.name}": no \${{ }} in the script`);
        }
      }
    }
  },
);

t.test(
  'workflows: shellcheck passes on every run script',
  {
    skip:
      (workflowFiles.length === 0 && 'no workflows') ||
      (!hasShellcheck && 'shellcheck is not installed (CI installs it)'),
  },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'oci-promote-wf-sc-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    let n = 0;
    for (const file of workflowFiles) {
      const wf = asMap(parseYaml(await readFile(join(workflowDir, file), 'utf8')), file);
      for (const [jobName, job] of Object.entries(asMap(wf.jobs, `${file} jobs`))) {
        for (const step of (asMap(job, jobName).steps ?? []) as Yaml[]) {
          const s = asMap(step, jobName);
          const run = asStr(s.run);
          if (run === undefined) continue;
          const path = join(dir, `script-${++n}.sh`);
          await writeFile(path, `#!/usr/bin/env bash\n${run}`);
          // SC2016: single-quoted {{.Digest}} templates are meant literally.
          const r = spawnSync('shellcheck', ['--shell=bash', '--exclude=SC2016', path], {
            encoding: 'utf8',
          });
          t.equal(r.status, 0, `${file} ${jobName} "${s.name}"\n${r.stdout}${r.stderr}`);
        }
      }
    }
  },
);
