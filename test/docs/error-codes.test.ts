/**
 * Every stable error code the code can produce has an entry in docs/error-recovery.md and
 * is listed by category in docs/architecture.md: a new code cannot ship undocumented.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { readDoc, root } from './markdown.js';

/** codesInCode collects every 'ERR_…' string literal of lib/ and cli/ (tests excluded). */
function codesInCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of ['lib', 'cli']) {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) continue;
      const file = join(e.parentPath, e.name);
      for (const m of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z_]+)'/g)) {
        if (!found.has(m[1]!)) found.set(m[1]!, relative(root, file));
      }
    }
  }
  return found;
}

/** Node's own codes that the code matches on, and the base class's code, never reported. */
const notOurs = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_OCI_PROMOTE',
]);

t.test('every error code is in the runbook and the architecture', async (t) => {
  const codes = [...codesInCode()].filter(([code]) => !notOurs.has(code));
  t.ok(codes.length > 25, `found ${codes.length} codes`);
  const runbook = readDoc('docs/error-recovery.md');
  const architecture = readDoc('docs/architecture.md');
  for (const [code, file] of codes) {
    t.ok(runbook.includes(`\`${code}\``), `${code} (${file}) is in docs/error-recovery.md`);
    t.ok(architecture.includes(`\`${code}\``), `${code} (${file}) is in docs/architecture.md`);
  }
});
