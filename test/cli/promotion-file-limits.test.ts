// Hostile or wrong promotions files through the CLI: a file nested 10,000 deep, one far over
// the size limit, or a gate setting that does not parse, is refused as bad input (exit 2, ERR_PROMOTION_FILE, one line on stderr, no
// stack trace) before anything is sent; no registry is needed, nothing is contacted.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';

const cli = await cliEnv(t);
const entry = '  - source: 127.0.0.1:1/staging/app:1.0.0\n    to: 127.0.0.1:1/prod/app\n';

const files: Array<[string, string, RegExp]> = [
  [
    'deep.json',
    `{"promotions": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    /deep\.json:1: invalid JSON: nested deeper than 32 levels/,
  ],
  [
    'deep.yaml',
    `promotions:\n  ${'- '.repeat(10_000)}x\n`,
    /deep\.yaml:2: nested deeper than 32 levels/,
  ],
  [
    // 6 MiB of comments before a valid entry: refused for its size, never parsed or run.
    'big.yaml',
    `promotions:\n${`# ${'x'.repeat(1021)}\n`.repeat(6 * 1024)}${entry}`,
    /big\.yaml:1: the file is larger than 4194304 bytes \(4 MiB\)/,
  ],
  [
    // Stage-evidence keys are checked like the CLI's flags, by line, before anything is sent.
    'gates.yaml',
    `defaults:\n  require-verified: [staging]\npromotions:\n${entry}    max-age: 3 days\n`,
    /gates\.yaml:6: max-age is a duration like 90s, 30m, 72h, 7d or 1h30m, got "3 days"/,
  ],
];

for (const [name, text, message] of files) {
  t.test(`promote --from-file ${name}: exit 2, ERR_PROMOTION_FILE`, async (t) => {
    const path = join(cli.dir, name);
    await writeFile(path, text);
    const r = await cli.run(['promote', '--from-file', path, '--json']);
    t.equal(r.code, 2, r.stderr.slice(0, 500));
    const lines = r.stderr.split('\n').filter(Boolean);
    t.equal(lines.length, 1, 'one line on stderr, no stack trace');
    t.match(lines[0], message);
    t.match(lines[0], /\[ERR_PROMOTION_FILE\]$/);
    t.equal(r.json().error.code, 'ERR_PROMOTION_FILE');
  });
}

t.test('promote --from-file - (stdin) over the size limit: exit 2', async (t) => {
  const r = await cli.run(['promote', '--from-file', '-'], {
    stdin: `promotions:\n${' '.repeat(5 * 1024 * 1024)}\n${entry}`,
  });
  t.equal(r.code, 2, r.stderr.slice(0, 500));
  t.match(r.stderr, /<stdin>:1: the file is larger than 4194304 bytes/);
});
