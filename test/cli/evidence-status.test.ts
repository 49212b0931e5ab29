// `status` through the CLI against real registries, on a repository, a tag and a digest:
// `--json` is the StatusResult with exactly the contract's fields, text shows each fact on
// a line, `--format markdown` has the tables and the mermaid flowchart of the tag's digests.
import t from 'tap';
import { ACTOR, evidenceSetup, RUN_URL } from './evidence-helpers.js';

const e = await evidenceSetup(t, 'evidence-status');

const one = await e.stage('staging/app', '1.0.0');
const two = await e.stage('staging/app', '2.0.0');
const prod = e.prod('prod/app');
for (const v of ['1.0.0', '2.0.0']) {
  const r = await e.run([
    'promote',
    `${e.staging('staging/app')}:${v}`,
    '--to',
    prod,
    '--tag',
    v,
    '--tag',
    'live',
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
}
{
  const rb = await e.run(['rollback', `${prod}:live`, '--reason', 'errors']);
  if (rb.code !== 0) throw new Error(rb.stderr);
  const at = await e.run([
    'attest',
    `${prod}@${one}`,
    '--stage',
    'production',
    '--result',
    'passed',
    '--check',
    'health=passed',
  ]);
  if (at.code !== 0) throw new Error(at.stderr);
  const fr = await e.run(['freeze', prod, '--reason', 'quiet period']);
  if (fr.code !== 0) throw new Error(fr.stderr);
}

const KEYS = [
  'digest',
  'freeze',
  'held',
  'history',
  'holds',
  'repository',
  'stages',
  'tag',
  'tags',
  'tagsTruncated',
  'verifications',
];

t.test('--json on a repository', async (t) => {
  const r = await e.run(['status', prod, '--json']);
  t.equal(r.code, 0, r.stderr);
  const s = r.json();
  t.same(Object.keys(s).sort(), KEYS);
  t.match(s, { repository: prod, tag: null, digest: null, held: false, tagsTruncated: false });
  t.same(
    s.tags.map((x: { tag: string }) => x.tag).sort(),
    ['1.0.0', '2.0.0', 'live'],
    'releases only: no ledger, journal or referrer tags',
  );
  t.same(Object.keys(s.freeze).sort(), ['actor', 'reason', 'record', 'runUrl', 'time', 'until']);
  t.match(s.freeze, { reason: 'quiet period', actor: ACTOR, runUrl: RUN_URL, until: null });
  t.equal(s.holds.length, 1);
  t.same(Object.keys(s.holds[0]).sort(), ['actor', 'digest', 'reason', 'record', 'runUrl', 'time']);
  t.match(s.holds[0], { digest: two, actor: ACTOR });
  const actions = s.history.map((x: { action: string }) => x.action);
  t.same(actions.slice(0, 2), ['freeze', 'attest'], 'newest first, evidence included');
  // The rollback writes its hold and its own record in one operation (in either order).
  t.same(actions.slice(2, 4).sort(), ['hold', 'rollback']);
  t.same(
    actions.slice(4),
    ['promote', 'promote', 'promote', 'promote'].slice(0, actions.length - 4),
    'the promotions, one entry per tag',
  );
});

t.test('--json on a tag and on a digest', async (t) => {
  const tag = (await e.run(['status', `${prod}:live`, '--json'])).json();
  t.match(tag, { repository: prod, tag: 'live', digest: one, held: false });
  t.same(tag.tags, [{ tag: 'live', digest: one }]);
  t.ok(
    tag.history.every((x: { tag: string | null }) => x.tag === 'live' || x.tag === null),
    'the tag’s changes (and evidence), no other tag’s',
  );
  t.same(tag.stages.production.checks, [{ name: 'health', result: 'passed' }]);

  const held = (await e.run(['status', `${prod}@${two}`, '--json'])).json();
  t.match(held, { tag: null, digest: two, held: true, verifications: [], stages: {} });
  t.same(held.tags, [{ tag: '2.0.0', digest: two }], 'the tags on the digest');
});

t.test('text', async (t) => {
  const r = await e.run(['status', `${prod}:live`]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  t.equal(lines[0], `Status of ${prod}:live`);
  t.ok(lines.includes(`  tag       live                 ${one}`));
  t.match(r.stdout, /^ {2}freeze {4}frozen by octocat at .*: quiet period$/m);
  t.match(
    r.stdout,
    new RegExp(`^  hold      ${two.slice(0, 19)} held by octocat at .*: errors$`, 'm'),
  );
  t.match(r.stdout, /^ {2}stage {5}production +passed by octocat at .* \(health=passed\)/m);
  t.match(r.stdout, /^History \(newest first\):$/m);
  t.match(
    r.stdout,
    /rollback +sha256:[0-9a-f]{12} {2}by octocat: live \(was sha256:[0-9a-f]{12}\) — reason: errors/,
  );
});

t.test('--format markdown: tables, freeze, holds, stages, history, mermaid', async (t) => {
  const r = await e.run(['status', `${prod}:live`, '--format', 'markdown']);
  t.equal(r.code, 0, r.stderr);
  const md = r.stdout;
  const lines = md.split('\n');
  t.equal(lines[0], `### oci-promote status of \`${prod}:live\``);
  t.ok(lines.includes(`| \`live\` | \`${one}\` |`));
  t.match(md, '**Freeze:** 🧊 frozen since');
  t.match(md, `- ⛔ \`${two}\` held since`);
  t.ok(lines.includes('| stage | result | time | actor | run |'));
  t.match(md, `| \`production\` | ✅ passed |`);
  t.ok(lines.includes('| time | action | tag | digest | by | note |'));
  const start = lines.indexOf('```mermaid');
  t.ok(start > 0, 'a mermaid block');
  const diagram = lines.slice(start + 1, lines.indexOf('```', start + 1));
  t.equal(diagram[0], 'flowchart LR');
  const edges = diagram.filter((l) => l.includes('-->'));
  t.same(
    edges.map((l) => /\|"(\w+) /.exec(l)?.[1]),
    ['promote', 'promote', 'rollback'],
    'one edge per tag change, oldest first',
  );
  t.ok(
    diagram.includes('  class d1 current') ||
      diagram.some((l) => /^ {2}class d\d+ current$/.test(l)),
  );

  const repo = await e.run(['status', prod, '--format', 'markdown']);
  t.equal(repo.code, 0, repo.stderr);
  t.match(repo.stdout, /-->\|"live rollback /, 'a whole repository labels edges with the tag');
  const digest = await e.run(['status', `${prod}@${one}`, '--format', 'markdown']);
  t.match(digest.stdout, 'This digest is not held.');
});

t.test('--evidence-repo and --history', async (t) => {
  const s = (
    await e.run(['status', `${prod}@${one}`, '--evidence-repo', e.staging('staging/app'), '--json'])
  ).json();
  t.same(s.verifications, [], 'no verification in staging');
  const short = (await e.run(['status', prod, '--history', '2', '--json'])).json();
  t.equal(short.history.length, 2);
});
