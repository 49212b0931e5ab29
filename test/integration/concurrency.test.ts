import t, { type Test } from 'tap';
import {
  type Digest,
  history,
  type PromoteOptions,
  type PromoteRequest,
  type PromotionResult,
  parseReference,
  parseRepository,
  promote,
} from '../../lib/index.js';
import { headManifest, stager } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client, cli, work } = await twoRegistries(t, 'concurrency');

const stage = stager(src, work, 'concurrency', { layerSize: 2000 });

const req = (source: string, target: string, over: Partial<PromoteRequest> = {}) => ({
  source: parseReference(`${src.host}/${source}`),
  target: parseRepository(`${dst.host}/${target}`),
  ...over,
});

/** A one-shot signal: `open()` resolves `wait`. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

const fast = (hooks: PromoteOptions['hooks'] = {}): PromoteOptions => ({ hooks });

/** tagsOf reads where each tag points in the destination repository. */
async function tagsOf(repo: string, tags: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const tag of tags) out[tag] = (await headManifest(dst, repo, tag)) ?? 'absent';
  return out;
}

const lower = await stage('sv-a', '5.1.0');
const higher = await stage('sv-b', '5.2.0');
const FLOATING = ['5.1.0', '5.2.0', '5.1', '5.2', '5', 'latest'];
const converged = { '5.1.0': lower, '5.2.0': higher, '5.1': lower, '5.2': higher, 5: higher };

t.test('--semver racers: latest, 5 and 5.x end on the highest version every round', async (t) => {
  const variants = ['lower writes last', 'lockstep', 'free'] as const;
  for (let round = 0; round < 12; round++) {
    const variant = variants[round % variants.length]!;
    const repo = `sv-${round}`;
    const aPlanned = gate();
    const bDone = gate();
    const both = gate();
    let arrived = 0;
    const barrier = async () => {
      if (++arrived === 2) both.open();
      await both.wait;
    };
    // lower writes last: the 5.1.0 promotion plans before 5.2.0 writes anything, and writes
    // its tags only after the 5.2.0 promotion has finished — the worst case for `latest`.
    const hooksA: PromoteOptions['hooks'] =
      variant === 'lower writes last'
        ? {
            beforeTags: async () => {
              aPlanned.open();
              await bDone.wait;
            },
          }
        : variant === 'lockstep'
          ? { beforeTags: barrier }
          : {};
    const hooksB: PromoteOptions['hooks'] =
      variant === 'lower writes last'
        ? { beforeTags: () => aPlanned.wait }
        : variant === 'lockstep'
          ? { beforeTags: barrier }
          : {};
    const [a, b] = await Promise.allSettled([
      promote(client, req('sv-a:5.1.0', repo, { semver: true }), fast(hooksA)),
      promote(client, req('sv-b:5.2.0', repo, { semver: true }), fast(hooksB)).finally(bDone.open),
    ]);
    const where = `round ${round} (${variant})`;
    const why = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' ? `: ${(r.reason as Error).message}` : '';
    t.equal(a.status, 'fulfilled', `${where}: the 5.1.0 promotion succeeds${why(a)}`);
    t.equal(b.status, 'fulfilled', `${where}: the 5.2.0 promotion succeeds${why(b)}`);
    t.same(
      await tagsOf(repo, FLOATING),
      { ...converged, latest: higher },
      `${where}: floating tags on the highest version`,
    );
    if (a.status !== 'fulfilled' || b.status !== 'fulfilled') continue;
    t.same([a.value.conflicts, b.value.conflicts], [[], []], `${where}: no conflict left`);
    if (variant === 'lower writes last') {
      const latestA = a.value.tags.find((x) => x.tag === 'latest');
      t.match(
        latestA,
        { action: 'unchanged', previousDigest: higher, reason: /5\.2\.0/ },
        `${where}: the 5.1.0 result says latest stays on 5.2.0`,
      );
      const entries = (await history(client, parseReference(`${dst.host}/${repo}:latest`))).entries;
      t.same(
        entries.map((e) => e.digest),
        [higher],
        `${where}: history shows latest set once, to 5.2.0`,
      );
    }
  }
});

const imageA = await stage('im-a', '7.0.0');
const imageB = await stage('im-b', '7.0.0');

/** raceOutcome checks one immutable-tag race: one winner, a loser naming both digests. */
async function checkImmutableRace(
  t: Test,
  repo: string,
  where: string,
  settled: [PromiseSettledResult<PromotionResult>, PromiseSettledResult<PromotionResult>],
): Promise<{ winner: Digest; loserCode: string } | undefined> {
  const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [i] : []));
  if (!t.equal(won.length, 1, `${where}: exactly one promotion succeeds`)) return undefined;
  const winner = won[0] === 0 ? imageA : imageB;
  const lost = settled[won[0] === 0 ? 1 : 0] as PromiseRejectedResult;
  const err = lost.reason as { code?: string; message?: string };
  t.equal(await headManifest(dst, repo, '7.0.0'), winner, `${where}: the tag holds the winner`);
  const entries = (await history(client, parseReference(`${dst.host}/${repo}:7.0.0`))).entries;
  t.same(
    entries.map((e) => [e.digest, e.previousDigest]),
    [[winner, null]],
    `${where}: history shows one "created", the winner's`,
  );
  return { winner, loserCode: `${err.code}: ${err.message}` };
}

t.test(
  'two digests racing for one immutable tag: one wins, the loser fails naming both',
  async (t) => {
    const variants = ['both pass the re-check', 'loser re-checks late', 'free'] as const;
    for (let round = 0; round < 12; round++) {
      const variant = variants[round % variants.length]!;
      const repo = `im-${round}`;
      const where = `round ${round} (${variant})`;
      const aWritten = gate();
      const bWritten = gate();
      const aPlanned = gate();
      const bDone = gate();
      const atPut = gate();
      let arrived = 0;
      let hooksA: PromoteOptions['hooks'] = {};
      let hooksB: PromoteOptions['hooks'] = {};
      if (variant === 'both pass the re-check') {
        // Both have re-checked the tag (absent) before either writes it; A writes and is held
        // before reading back until B has written over it.
        const putBarrier = async () => {
          if (++arrived === 2) atPut.open();
          await atPut.wait;
        };
        hooksA = {
          beforeTagPut: putBarrier,
          beforeCheck: async () => {
            aWritten.open();
            await bWritten.wait;
          },
        };
        hooksB = {
          beforeTagPut: async () => {
            await putBarrier();
            await aWritten.wait;
          },
          beforeCheck: () => bWritten.open(),
        };
      } else if (variant === 'loser re-checks late') {
        // A plans (tag absent), then B promotes completely, then A goes on to write.
        hooksA = {
          beforeTags: async () => {
            aPlanned.open();
            await bDone.wait;
          },
        };
        hooksB = { beforeTags: () => aPlanned.wait };
      }
      const settled = (await Promise.allSettled([
        promote(client, req('im-a:7.0.0', repo), fast(hooksA)),
        promote(client, req('im-b:7.0.0', repo), fast(hooksB)).finally(bDone.open),
      ])) as [PromiseSettledResult<PromotionResult>, PromiseSettledResult<PromotionResult>];
      const outcome = await checkImmutableRace(t, repo, where, settled);
      if (!outcome) continue;
      if (variant !== 'free') {
        t.equal(outcome.winner, imageB, `${where}: B wins`);
      }
      // A loser that planned after the winner wrote is refused by policy (a serial outcome);
      // one that planned before is a lost race.
      const raceLost = /^ERR_TAG_RACE: /.test(outcome.loserCode);
      const refused = /^ERR_POLICY: .*is immutable and points to/.test(outcome.loserCode);
      t.ok(
        variant === 'free' ? raceLost || refused : raceLost,
        `${where}: the loser reports the race (${outcome.loserCode})`,
      );
      if (raceLost) {
        t.match(outcome.loserCode, imageA, `${where}: the message names A's digest`);
        t.match(outcome.loserCode, imageB, `${where}: the message names B's digest`);
      }
    }
  },
);

t.test('the loser of an immutable-tag race puts back the mutable tags it moved', async (t) => {
  const repo = 'im-undo';
  await promote(client, req('sv-a:5.1.0', repo, { tags: ['prod'] }), fast());
  const atPut = gate();
  const aWritten = gate();
  const bWritten = gate();
  let arrived = 0;
  const putBarrier = async (tag: string) => {
    if (tag !== '7.0.0') return;
    if (++arrived === 2) atPut.open();
    await atPut.wait;
  };
  const [a, b] = await Promise.allSettled([
    promote(
      client,
      req('im-a:7.0.0', repo, { tags: ['7.0.0', 'prod'] }),
      fast({
        beforeTagPut: putBarrier,
        beforeCheck: async () => {
          aWritten.open();
          await bWritten.wait;
        },
      }),
    ),
    promote(
      client,
      req('im-b:7.0.0', repo),
      fast({
        beforeTagPut: async (tag) => {
          await putBarrier(tag);
          await aWritten.wait;
        },
        beforeCheck: () => bWritten.open(),
      }),
    ),
  ]);
  t.equal(b.status, 'fulfilled', 'B wins');
  t.match(a.status === 'rejected' && a.reason, {
    code: 'ERR_TAG_RACE',
    message: /No tag was left on sha256:.* nothing was recorded/,
  });
  t.same(await tagsOf(repo, ['7.0.0', 'prod']), { '7.0.0': imageB, prod: lower }, 'prod is back');
  const prod = (await history(client, parseReference(`${dst.host}/${repo}:prod`))).entries;
  t.same(
    prod.map((e) => e.digest),
    [lower],
    'history of prod shows only the promotion that set it',
  );
});

t.test(
  'through the CLI: racing --semver promotions both exit 0, latest on the highest',
  async (t) => {
    for (let round = 0; round < 4; round++) {
      const repo = `cli-sv-${round}`;
      const [a, b] = await Promise.all(
        ['sv-a:5.1.0', 'sv-b:5.2.0'].map((s) =>
          cli.run([
            'promote',
            '--plain-http',
            '--json',
            '--semver',
            `${src.host}/${s}`,
            '--to',
            `${dst.host}/${repo}`,
          ]),
        ),
      );
      t.equal(a!.code, 0, a!.stderr);
      t.equal(b!.code, 0, b!.stderr);
      t.same(await tagsOf(repo, FLOATING), { ...converged, latest: higher }, `round ${round}`);
    }
  },
);

t.test(
  'through the CLI: a lost immutable-tag race exits 1 (or 3 when refused at plan)',
  async (t) => {
    for (let round = 0; round < 4; round++) {
      const repo = `cli-im-${round}`;
      const runs = await Promise.all(
        ['im-a:7.0.0', 'im-b:7.0.0'].map((s) =>
          cli.run([
            'promote',
            '--plain-http',
            '--json',
            `${src.host}/${s}`,
            '--to',
            `${dst.host}/${repo}`,
          ]),
        ),
      );
      const codes = runs.map((r) => r.code).sort();
      t.ok(codes[0] === 0 && (codes[1] === 1 || codes[1] === 3), `round ${round}: exits ${codes}`);
      const loser = runs.find((r) => r.code !== 0);
      if (loser?.code === 1) {
        t.equal(loser.json().error.code, 'ERR_TAG_RACE', loser.stderr);
        t.match(loser.stderr, imageA);
        t.match(loser.stderr, imageB);
      }
      const winner = runs[0]!.code === 0 ? imageA : imageB;
      t.equal(await headManifest(dst, repo, '7.0.0'), winner);
    }
  },
);
