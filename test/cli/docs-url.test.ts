// The docs URL help texts and hints cite (cli/docs-url.ts) is the repository package.json
// names, and every docs file cited through it exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { DOCS_URL } from '../../cli/docs-url.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

t.test('DOCS_URL is under the repository of package.json', async (t) => {
  const repo = String(pkg.repository?.url ?? pkg.repository ?? '')
    .replace(/^git\+/, '')
    .replace(/\.git$/, '');
  t.ok(repo, 'package.json names a repository');
  t.equal(DOCS_URL, `${repo}/blob/main/docs`);
});

t.test('every docs file the CLI cites by URL exists', async (t) => {
  const files = readdirSync('cli', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `cli/${f}`);
  let cited = 0;
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/docsUrl\('([^']+)'\)/g)) {
      cited++;
      const file = m[1]!.split('#')[0]!;
      t.ok(existsSync(`docs/${file}`), `${f}: docs/${file} exists`);
    }
  }
  t.ok(cited > 0, 'some are cited');
});
