// `tags REPO` lists the tags people wrote: the tool's own (the ledger tag
// oci-promote-history, its journal tags) and referrer bookkeeping tags (sha256-<hex>
// fallback indexes, cosign sha256-<hex>.sig) are hidden unless --all, in text and --json.
import t from 'tap';
import { BUSYBOX_LAYOUT, listTags, pushLayout } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, cli } = await twoRegistries(t, 'tags');
await pushLayout(src, BUSYBOX_LAYOUT, 'amd64', 'app', '1.0.0');
const repo = `${dst.host}/prod/tags`;
// Two promotions: a repository's first record is its own ledger; the second writes the
// ledger tag.
for (const tag of ['1.0.0', 'stable']) {
  const promoted = await cli.run([
    'promote',
    '--plain-http',
    `${src.host}/app:1.0.0`,
    '--to',
    repo,
    '--tag',
    tag,
  ]);
  if (promoted.code !== 0) throw new Error(promoted.stderr);
}
const hex = 'a'.repeat(64);
for (const tag of [`sha256-${hex}`, `sha256-${hex}.sig`, 'live']) {
  const r = await cli.run(['copy', '--plain-http', `${src.host}/app:1.0.0`, `${repo}:${tag}`]);
  if (r.code !== 0) throw new Error(r.stderr);
}
const all = (await listTags(dst, 'prod/tags')).sort();

t.test('the registry has the tool tags (sanity)', async (t) => {
  t.ok(all.includes('oci-promote-history'), 'ledger tag');
  t.ok(
    all.some((x) => x.startsWith('oci-promote-history.')),
    'a journal tag',
  );
});

t.test('text and --json: only the tags people wrote', async (t) => {
  const text = await cli.run(['tags', '--plain-http', repo]);
  t.equal(text.code, 0, text.stderr);
  t.same(text.stdout.split('\n').filter(Boolean).sort(), ['1.0.0', 'live', 'stable']);
  const json = await cli.run(['tags', '--plain-http', '--json', repo]);
  t.equal(json.code, 0, json.stderr);
  t.same([...json.json().tags].sort(), ['1.0.0', 'live', 'stable']);
});

t.test('--all: every tag', async (t) => {
  const text = await cli.run(['tags', '--plain-http', '--all', repo]);
  t.equal(text.code, 0, text.stderr);
  t.same(text.stdout.split('\n').filter(Boolean).sort(), all);
  const json = await cli.run(['tags', '--plain-http', '--all', '--json', repo]);
  t.same([...json.json().tags].sort(), all);
});
