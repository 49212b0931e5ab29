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
import { evidenceOutputs } from '../../cli/evidence-report.js';
import { outputValues, refusalOutputs } from '../../cli/github-actions.js';
import { HeldError } from '../../lib/index.js';
import { runCli } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout, skopeoDigest } from '../helpers/seed.js';

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
  t.ok(steps.length >= 1);
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
      'allow-held',
      'allow-overwrite',
      'audit-log',
      'checks',
      'command',
      'details',
      'dry-run',
      'evidence-repo',
      'extra-args',
      'format',
      'max-age',
      'no-hold',
      'notify-url',
      'override-freeze',
      'reason',
      'referrers',
      'require-referrer',
      'require-verified',
      'result',
      'semver',
      'source',
      'stage',
      'steps',
      'summary',
      'tags',
      'target',
      'to',
      'to-digest',
      'token',
      'until',
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

/** The outputs the action writes itself, from the CLI's --json document. */
const ACTION_OUTPUTS = ['frozen', 'held', 'hold', 'json', 'record', 'tags-csv'];

t.test(
  'outputs: what the CLI writes plus the --json fields, mapped from the run step',
  async (t) => {
    const promotion = Object.keys(
      outputValues({
        repository: 'r',
        tag: 't',
        digest: 'd',
        previousDigest: 'p',
        record: null,
        dryRun: false,
      }),
    );
    const evidence = Object.keys(
      evidenceOutputs({
        action: 'attest',
        repository: 'r',
        digest: null,
        record: null,
        time: 't',
        reason: null,
        stage: 's',
        result: 'passed',
        dryRun: false,
      }),
    );
    const refusal = Object.keys(refusalOutputs(new HeldError('held')).outputs ?? {});
    t.strictSame(refusal, ['refused']);
    t.strictSame(
      Object.keys(outputs).sort(),
      [...new Set([...promotion, ...evidence, ...refusal, ...ACTION_OUTPUTS])].sort(),
      'what cli/github-actions.ts and cli/evidence-report.ts write, and what the action writes',
    );
    for (const [name, spec] of Object.entries(outputs)) {
      const s = asMap(spec, `output ${name}`);
      t.ok(asStr(s.description), `output ${name} is described`);
      t.equal(
        s.value,
        `\${{ steps.run.outputs.${name} }}`,
        `output ${name} maps steps.run.outputs.${name}`,
      );
    }
  },
);

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
      // Read as $INPUT_X, or by name through the script's helpers (input, flag, option, ...).
      t.match(
        asStr(runStep?.run),
        new RegExp(
          `\\$\\{?${entry[0]}\\b|\\b(?:input|flag|option|list|require(?: [a-z-]+)*) ${name}\\b`,
        ),
        `the script reads $${entry[0]}`,
      );
    }
  }
  for (const [k, v] of Object.entries(env)) {
    t.match(v, /^\$\{\{ (inputs\.[a-z-]+|github\.token) \}\}$/, `env ${k} is one plain expression`);
  }
});

t.test('no install step: the run step starts the committed bundle (action-dist/)', async (t) => {
  for (const s of steps) t.notMatch(asStr(s.run) ?? '', /\bnpm\b|\bnpx\b/, `${s.name}: no npm`);
  t.match(asStr(runStep?.run), 'cli="$GITHUB_ACTION_PATH/action-dist/oci-promote.mjs"');
  t.match(
    asStr(runStep?.run),
    `GITHUB_OUTPUT="$cli_outputs" node "$cli" "\${args[@]}" --json | tee "$doc"`,
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
await mkdir(join(stubDir, 'action-dist'), { recursive: true });
// The stub CLI logs each call (argv, the token it got, secrets it should not see) as a JSON
// line to STUB_LOG, appends STUB_OUTPUTS to $GITHUB_OUTPUT (as the CLI writes its outputs),
// prints STUB_STDOUT (default: a small JSON document) and exits STUB_EXIT.
await writeFile(
  join(stubDir, 'action-dist', 'oci-promote.mjs'),
  `import { appendFileSync } from 'node:fs';
if (process.env.STUB_OUTPUTS) appendFileSync(process.env.GITHUB_OUTPUT, process.env.STUB_OUTPUTS);
const hidden = ['INPUT_TOKEN', 'JOB_TOKEN', 'INPUT_NOTIFY_URL'];
appendFileSync(process.env.STUB_LOG, JSON.stringify({
  argv: process.argv.slice(2),
  token: process.env.GITHUB_TOKEN ?? null,
  leaked: hidden.filter((k) => k in process.env),
}) + '\\n');
process.stdout.write(process.env.STUB_STDOUT ?? '{"stub":true}\\n');
process.exitCode = Number(process.env.STUB_EXIT ?? 0);
`,
);
const runScript = join(stubDir, 'run.sh');
await writeFile(runScript, asStr(runStep?.run) ?? '');

interface Call {
  argv: string[];
  token: string | null;
  leaked: string[];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Each call of the CLI. */
  calls: Call[];
  /** The first call's argv without the `--json` the action adds, token and leaked variables. */
  argv?: string[];
  token?: string | null;
  leaked?: string[];
  /** What the script appended to $GITHUB_OUTPUT, as name -> value. */
  outputs: Record<string, string>;
  /** What it appended to $GITHUB_STEP_SUMMARY. */
  summary: string;
}

/**
 * parseOutputFile reads a `$GITHUB_OUTPUT` file as the runner does: `name=value` lines and
 * `name<<DELIMITER` / value lines / `DELIMITER` blocks; a later value of a name wins.
 */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`no closing ${heredoc[2]} in the output file`);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line !== '') {
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`not an output line: ${line}`);
      outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return outputs;
}

let actionRuns = 0;
/** The flags the action passed to the CLI in these tests, per command. */
const seenFlags = new Map<string, Set<string>>();

/**
 * runAction evaluates the run step's env the way the runner would for these `with:`
 * values (each `${{ inputs.x }}` is the value given, else the input's default), then
 * runs the script with bash in a clean environment. STUB_* variables in extraEnv steer the
 * stub CLI.
 */
async function runAction(
  withInputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  for (const k of Object.keys(withInputs)) if (!(k in inputs)) throw new Error(`no input ${k}`);
  const n = ++actionRuns;
  const files = {
    log: join(stubDir, `calls-${n}.jsonl`),
    output: join(stubDir, `output-${n}`),
    summary: join(stubDir, `summary-${n}`),
  };
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GITHUB_ACTION_PATH: stubDir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: stubDir,
    STUB_LOG: files.log,
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(asMap(runStep?.env, 'env'))) {
    const m = /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(String(v));
    if (m) env[k] = withInputs[m[1]!] ?? asStr(asMap(inputs[m[1]!], m[1]!).default) ?? '';
    else if (v === expr('github.token')) env[k] = 'job-token';
    else throw new Error(`cannot evaluate ${k}: ${v}`);
  }
  let done: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await execFileAsync('bash', [runScript], { env, cwd: stubDir });
    done = { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    done = { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
  const read = (f: string) => readFile(f, 'utf8');
  const calls = (await read(files.log))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);
  const outputs = parseOutputFile(await read(files.output));
  for (const c of calls) {
    const flags = seenFlags.get(c.argv[0]!) ?? new Set<string>();
    for (const a of c.argv) if (/^--[a-z][a-z-]*$/.test(a)) flags.add(a);
    seenFlags.set(c.argv[0]!, flags);
  }
  const first = calls[0];
  return {
    ...done,
    calls,
    outputs,
    summary: await read(files.summary),
    ...(first && {
      argv: first.argv.at(-1) === '--json' ? first.argv.slice(0, -1) : first.argv,
      token: first.token,
      leaked: first.leaked,
    }),
  };
}

const SRC = 'ghcr.io/o/staging/app:1.2.3';
const TO = 'ghcr.io/o/app';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const REC = `sha256:${'e'.repeat(64)}`;

t.test('promote: the minimal argv, run with --json', async (t) => {
  const r = await runAction({ source: SRC, to: TO });
  t.equal(r.code, 0, r.stderr);
  t.strictSame(r.calls.length, 1);
  t.strictSame(r.calls[0]!.argv, ['promote', SRC, '--to', TO, '--json']);
  t.equal(r.stdout, '{"stub":true}\n', 'the JSON document is shown in the log');
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
    'require-verified': 'staging\n  qa \n',
    'max-age': '72h',
    'evidence-repo': 'ghcr.io/o/evidence',
    'allow-held': 'hotfix approved by ops',
    'override-freeze': 'incident 42',
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
    '--require-verified',
    'staging',
    '--require-verified',
    'qa',
    '--max-age',
    '72h',
    '--evidence-repo',
    'ghcr.io/o/evidence',
    '--allow-held',
    'hotfix approved by ops',
    '--override-freeze',
    'incident 42',
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
  t.strictSame(bad.calls, [], 'the CLI is not run');
});

t.test('hostile inputs stay literal arguments', async (t) => {
  const marker = join(stubDir, 'pwned');
  const evil = `$(touch ${marker})`;
  const r = await runAction({
    source: `${SRC}\`touch ${marker}\``,
    to: `${TO}; touch ${marker}`,
    tags: `${evil},"quoted" 'x'`,
    'allow-held': `${evil} "reason"`,
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
    '--allow-held',
    `${evil} "reason"`,
    '--audit-log',
    evil,
    '$(touch',
    `${marker})`,
    '$HOME',
  ]);
  const attest = await runAction({
    command: 'attest',
    target: `${TO}@${D1}`,
    stage: 'staging',
    result: 'passed',
    checks: `a${evil}=passed\n`,
    summary: `\`touch ${marker}\``,
  });
  t.equal(attest.code, 0, attest.stderr);
  t.match(attest.argv, [
    'attest',
    `${TO}@${D1}`,
    '--stage',
    'staging',
    '--result',
    'passed',
    '--check',
    `a${evil}=passed`,
    '--summary',
    `\`touch ${marker}\``,
  ]);
  await t.rejects(stat(marker), { code: 'ENOENT' }, 'nothing ran');
});

t.test('an input cannot start a workflow command in an error', async (t) => {
  const r = await runAction({ command: 'nope\n::add-mask::x %' });
  t.equal(r.code, 2);
  t.equal(
    r.stdout,
    "::error title=oci-promote action::input command must be promote, rollback, attest, hold, release, freeze, unfreeze or status, got 'nope%0A::add-mask::x %25'\n",
  );
});

t.test('each command takes only its own inputs; required ones are named', async (t) => {
  t.match((await runAction({ to: TO })).stdout, 'input source is required for promote');
  t.match((await runAction({ source: SRC })).stdout, 'input to is required for promote');
  const cases: Array<[Record<string, string>, string]> = [
    [{ source: SRC, to: TO, steps: '2' }, 'input steps is not used by promote'],
    [{ source: SRC, to: TO, reason: 'x' }, 'input reason is not used by promote'],
    [
      { command: 'rollback', target: `${TO}:prod`, tags: 'x' },
      'input tags is not used by rollback',
    ],
    [
      { command: 'rollback', target: `${TO}:prod`, 'require-verified': 'staging' },
      'input require-verified is not used by rollback',
    ],
    [{ command: 'rollback' }, 'input target is required for rollback'],
    [{ command: 'attest', target: SRC, stage: 'staging' }, 'input result is required for attest'],
    [{ command: 'attest', target: SRC, result: 'passed' }, 'input stage is required for attest'],
    [
      { command: 'attest', target: SRC, stage: 's', result: 'passed', reason: 'r' },
      'input reason is not used by attest',
    ],
    [{ command: 'hold', target: `${TO}@${D1}` }, 'input reason is required for hold'],
    [{ command: 'release', reason: 'ok' }, 'input target is required for release'],
    [
      { command: 'hold', target: `${TO}@${D1}`, reason: 'r', until: '4h' },
      'input until is not used by hold',
    ],
    [
      { command: 'unfreeze', target: TO, reason: 'r', until: '4h' },
      'input until is not used by unfreeze',
    ],
    [{ command: 'freeze', target: TO }, 'input reason is required for freeze'],
    [{ command: 'status', target: TO, 'dry-run': 'true' }, 'input dry-run is not used by status'],
    [{ command: 'status', target: TO, 'audit-log': 'a' }, 'input audit-log is not used by status'],
    [
      { command: 'status', target: TO, format: 'html' },
      "input format must be text, json or markdown, got 'html'",
    ],
    [{ command: 'status', target: TO, stage: 'staging' }, 'input stage is not used by status'],
    [{ command: 'status' }, 'input target is required for status'],
  ];
  for (const [given, message] of cases) {
    const r = await runAction(given);
    t.equal(r.code, 2, message);
    t.equal(r.stdout, `::error title=oci-promote action::${message}\n`);
    t.strictSame(r.calls, [], 'the CLI is not run');
  }
  const off = await runAction({
    command: 'status',
    target: TO,
    'dry-run': 'false',
    'no-hold': 'false',
  });
  t.equal(off.code, 0, 'a boolean left false is not "set"');
});

t.test('rollback (holds by default; no-hold and reason)', async (t) => {
  const one = await runAction({ command: 'rollback', target: `${TO}:prod` });
  t.strictSame(one.argv, ['rollback', `${TO}:prod`]);
  const r = await runAction({
    command: 'rollback',
    target: `${TO}:prod`,
    steps: '2',
    'to-digest': D1,
    'no-hold': 'true',
    reason: 'health failed',
    'dry-run': 'true',
    'audit-log': 'a.jsonl',
  });
  t.strictSame(r.argv, [
    'rollback',
    `${TO}:prod`,
    '--steps',
    '2',
    '--to',
    D1,
    '--no-hold',
    '--reason',
    'health failed',
    '--dry-run',
    '--audit-log',
    'a.jsonl',
  ]);
});

t.test('attest, hold, release, freeze, unfreeze, status: argv', async (t) => {
  const cases: Array<[Record<string, string>, string[]]> = [
    [
      {
        command: 'attest',
        target: `${TO}@${D1}`,
        stage: 'staging',
        result: 'failed',
        checks: 'health=passed\n latency=failed \n\n',
        details: 'verification/verification.json',
        summary: 'health passed, latency failed',
        'notify-url': 'https://hooks.example/x',
      },
      [
        'attest',
        `${TO}@${D1}`,
        '--stage',
        'staging',
        '--result',
        'failed',
        '--check',
        'health=passed',
        '--check',
        'latency=failed',
        '--details',
        'verification/verification.json',
        '--summary',
        'health passed, latency failed',
        '--notify-url',
        'https://hooks.example/x',
      ],
    ],
    [
      { command: 'hold', target: `${TO}@${D1}`, reason: 'bad release, see #12' },
      ['hold', `${TO}@${D1}`, '--reason', 'bad release, see #12'],
    ],
    [
      { command: 'release', target: `${TO}@${D1}`, reason: 'fixed', 'dry-run': 'true' },
      ['release', `${TO}@${D1}`, '--reason', 'fixed', '--dry-run'],
    ],
    [
      { command: 'freeze', target: TO, reason: 'holidays', until: '2026-12-27T00:00:00Z' },
      ['freeze', TO, '--reason', 'holidays', '--until', '2026-12-27T00:00:00Z'],
    ],
    [
      { command: 'unfreeze', target: TO, reason: 'back', 'audit-log': 'a.jsonl' },
      ['unfreeze', TO, '--reason', 'back', '--audit-log', 'a.jsonl'],
    ],
    [
      {
        command: 'status',
        target: `${TO}:latest`,
        'evidence-repo': 'ghcr.io/o/staging/app',
        format: 'json',
      },
      ['status', `${TO}:latest`, '--evidence-repo', 'ghcr.io/o/staging/app'],
    ],
  ];
  for (const [given, argv] of cases) {
    const r = await runAction(given);
    t.equal(r.code, 0, r.stdout + r.stderr);
    t.strictSame(r.argv, argv, String(given.command));
    t.equal(r.calls[0]!.argv.at(-1), '--json');
  }
});

t.test('outputs come from the --json document', async (t) => {
  const rollback = await runAction(
    { command: 'rollback', target: `${TO}:prod` },
    {
      STUB_STDOUT: JSON.stringify({
        repository: TO,
        tag: 'prod',
        digest: D1,
        previousDigest: D2,
        record: REC,
        hold: D2.replace('2', 'f'),
        conflicts: [],
        dryRun: false,
      }),
    },
  );
  t.equal(rollback.code, 0, rollback.stdout);
  t.match(rollback.outputs, { record: REC, hold: D2.replace('2', 'f') });
  const promote = await runAction(
    { source: SRC, to: TO },
    { STUB_STDOUT: JSON.stringify({ digest: D1, record: REC, tags: [] }) },
  );
  t.strictSame(Object.keys(promote.outputs).sort(), ['json', 'record']);
  t.equal(promote.outputs.record, REC);
  t.notOk('digest' in rollback.outputs, 'digest, tags, previous-digest: the CLI writes them');
  t.same(JSON.parse(rollback.outputs.json!).previousDigest, D2);

  const noHold = await runAction(
    { command: 'rollback', target: `${TO}:prod`, 'no-hold': 'true' },
    { STUB_STDOUT: JSON.stringify({ digest: D1, record: REC, hold: null }) },
  );
  t.equal(noHold.outputs.hold, '', 'no hold written: empty');

  const attest = await runAction(
    { command: 'attest', target: `${TO}:1.2.3`, stage: 'staging', result: 'passed' },
    {
      STUB_STDOUT: `${JSON.stringify({
        action: 'attest',
        repository: TO,
        digest: D1,
        record: REC,
        time: '2026-12-01T10:00:00Z',
        reason: null,
        stage: 'staging',
        result: 'passed',
        summary: 'line one\nline two',
        dryRun: false,
      })}\n`,
    },
  );
  t.strictSame(Object.keys(attest.outputs), ['json'], 'record and digest: the CLI writes them');
  t.notMatch(attest.outputs.json, /\n/, 'the document is one line');
  t.equal(JSON.parse(attest.outputs.json!).summary, 'line one\nline two');

  const freeze = await runAction(
    { command: 'freeze', target: TO, reason: 'r' },
    { STUB_STDOUT: JSON.stringify({ action: 'freeze', digest: null, record: REC, dryRun: false }) },
  );
  t.strictSame(Object.keys(freeze.outputs), ['json']);

  const statusDoc = (held: boolean, freeze: object | null) =>
    JSON.stringify({
      repository: TO,
      tag: null,
      digest: D1,
      tags: [],
      tagsTruncated: false,
      freeze,
      holds: held
        ? [{ digest: D1, reason: 'bad', actor: 'a', time: 't', runUrl: null, record: REC }]
        : [],
      held,
      history: [],
      verifications: [],
      stages: {},
    });
  const clear = await runAction(
    { command: 'status', target: `${TO}@${D1}`, format: 'json' },
    { STUB_STDOUT: statusDoc(false, null) },
  );
  t.strictSame(
    { ...clear.outputs, json: undefined },
    { json: undefined, digest: D1, held: 'false', frozen: 'false' },
  );
  t.equal(clear.calls.length, 1, 'format json: one call');
  const blocked = await runAction(
    { command: 'status', target: `${TO}@${D1}`, format: 'json' },
    {
      STUB_STDOUT: statusDoc(true, {
        reason: 'r',
        actor: 'a',
        time: 't',
        until: null,
        runUrl: null,
        record: REC,
      }),
    },
  );
  t.match(blocked.outputs, { held: 'true', frozen: 'true' });
});

t.test(
  'status in text or markdown: a second call in that format; markdown to the summary',
  async (t) => {
    const md = await runAction(
      { command: 'status', target: `${TO}:latest`, format: 'markdown' },
      { STUB_STDOUT: '{"held":false,"freeze":null,"digest":null}\n' },
    );
    t.equal(md.code, 0, md.stderr);
    t.strictSame(
      md.calls.map((c) => c.argv),
      [
        ['status', `${TO}:latest`, '--json'],
        ['status', `${TO}:latest`, '--format', 'markdown'],
      ],
    );
    t.equal(md.summary, '{"held":false,"freeze":null,"digest":null}\n', 'what the CLI printed');
    t.match(md.outputs, { held: 'false', frozen: 'false', digest: '' });
    const text = await runAction(
      { command: 'status', target: TO },
      { STUB_STDOUT: '{"held":false,"freeze":null}\n' },
    );
    t.strictSame(
      text.calls.map((c) => c.argv.slice(-2)),
      [
        [TO, '--json'],
        ['--format', 'text'],
      ],
    );
    t.equal(text.summary, '', 'text goes to the log only');
  },
);

t.test('tags: one per line (as docker/metadata-action), tags-csv comma-separated', async (t) => {
  const doc = JSON.stringify({ digest: D1, record: REC, tags: [] });
  const promote = await runAction(
    { source: SRC, to: TO, semver: 'true' },
    {
      STUB_STDOUT: doc,
      STUB_OUTPUTS: `digest=${D1}\ntags=1.2.3,1.2,1,latest\nprevious-digest=${D2}\n`,
    },
  );
  t.equal(promote.code, 0, promote.stderr);
  t.equal(promote.outputs.tags, '1.2.3\n1.2\n1\nlatest');
  t.equal(promote.outputs['tags-csv'], '1.2.3,1.2,1,latest');
  t.match(promote.outputs, { digest: D1, 'previous-digest': D2, record: REC });
  const one = await runAction(
    { command: 'rollback', target: `${TO}:prod` },
    { STUB_STDOUT: doc, STUB_OUTPUTS: `digest=${D1}\ntags=prod\nprevious-digest=${D2}\n` },
  );
  t.match(one.outputs, { tags: 'prod', 'tags-csv': 'prod' });
  const none = await runAction(
    { source: SRC, to: TO, 'dry-run': 'true' },
    { STUB_STDOUT: doc, STUB_OUTPUTS: `digest=${D1}\ntags=\nprevious-digest=\n` },
  );
  t.match(none.outputs, { tags: '', 'tags-csv': '' }, 'no tag: both empty');
  const multiline = await runAction(
    { command: 'attest', target: `${TO}:1.2.3`, stage: 'staging', result: 'passed' },
    { STUB_STDOUT: doc, STUB_OUTPUTS: 'note<<EOF_1\nline one\nline two\nEOF_1\nstage=staging\n' },
  );
  t.match(
    multiline.outputs,
    { note: 'line one\nline two', stage: 'staging' },
    'a value between delimiters is passed on whole',
  );
  t.notOk('tags' in multiline.outputs, 'no tags output when the CLI wrote none');
});

t.test('a CLI failure: its exit code, no outputs; no JSON document: exit 1', async (t) => {
  const refused = await runAction(
    { source: SRC, to: TO, 'require-verified': 'staging' },
    { STUB_EXIT: '3', STUB_STDOUT: '' },
  );
  t.equal(refused.code, 3, 'exit 3 (a gate refused) is the step’s');
  t.strictSame(refused.outputs, {});
  const gate = await runAction(
    { source: SRC, to: TO, 'require-verified': 'staging' },
    { STUB_EXIT: '3', STUB_STDOUT: '', STUB_OUTPUTS: 'refused=require-verified\n' },
  );
  t.equal(gate.code, 3);
  t.strictSame(gate.outputs, { refused: 'require-verified' }, 'what the CLI wrote is passed on');
  const status = await runAction(
    { command: 'status', target: TO, format: 'markdown' },
    { STUB_EXIT: '1', STUB_STDOUT: '' },
  );
  t.equal(status.code, 1);
  t.equal(status.calls.length, 1, 'no second call after a failure');
  const garbage = await runAction({ source: SRC, to: TO }, { STUB_STDOUT: 'not json' });
  t.equal(garbage.code, 1);
  t.match(garbage.stdout, '::error title=oci-promote action::the CLI printed no JSON document');
});

t.test('the committed bundle promotes between two registries, no install', async (t) => {
  // GITHUB_ACTION_PATH is this checkout: the run step starts action-dist/oci-promote.mjs.
  const home = await mkdtemp(join(tmpdir(), 'oci-promote-action-home-'));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const [src, dst] = await Promise.all([startRegistry(t), startRegistry(t)]);
  const digest = await pushLayout(src, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', '1.36.1');
  const r = await runAction(
    {
      source: `${src.host}/staging/busybox:1.36.1`,
      to: `${dst.host}/prod/busybox`,
      semver: 'true',
      'extra-args': '--plain-http',
    },
    { GITHUB_ACTION_PATH: root, HOME: home, DOCKER_CONFIG: home },
  );
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.equal(r.outputs.digest, digest, 'the digest output');
  t.equal(r.outputs.tags, '1.36.1\n1.36\n1\nlatest', 'tags, one per line');
  t.equal(r.outputs['tags-csv'], '1.36.1,1.36,1,latest', 'tags-csv');
  t.equal(r.outputs['previous-digest'], '');
  t.match(r.outputs.record, /^sha256:[a-f0-9]{64}$/, 'the history record');
  t.equal(JSON.parse(r.outputs.json!).digest, digest);
  t.equal(await skopeoDigest(dst, 'prod/busybox:1.36'), digest, 'the tags are in the registry');
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

// Runs after the tests above: every flag the action passed there, per command.
t.test('the CLI accepts every flag the action passed in these tests', async (t) => {
  t.strictSame(
    [...seenFlags.keys()].sort(),
    ['attest', 'freeze', 'hold', 'promote', 'release', 'rollback', 'status', 'unfreeze'],
    'every command was run',
  );
  for (const [command, flags] of seenFlags) {
    const help = await cliHelp(command);
    for (const f of flags) t.match(help, new RegExp(`${f}\\b`), `${command} ${f}`);
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
        for (const s of jobSteps) {
          if (s.uses !== './') continue;
          const extra = asStr(asMap(s.with ?? {}, 'with')['extra-args']) ?? '';
          for (const f of extra.match(/--[a-z-]+/g) ?? []) {
            t.notOk(
              f.slice(2) in inputs,
              `${file} ${jobName} "${s.name}": ${f} is an input of the action, not extra-args`,
            );
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
