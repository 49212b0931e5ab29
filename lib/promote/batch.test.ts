import t from 'tap';
import type { Digest } from '../digest.js';
import { NotFoundError, PolicyError, UsageError } from '../errors.js';
import { formatReference, parseReference, parseRepository } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import {
  type BatchResult,
  batchError,
  type PromoteFn,
  parseShard,
  promoteBatch,
  requestFor,
  selectShard,
} from './batch.js';
import type { PromotionEntry } from './promotion-file.js';
import type { PromoteRequest, PromotionResult } from './types.js';

// promoteBatch never touches the client itself: it only hands it to promoteFn.
const client = {} as RegistryClient;
const digest = `sha256:${'b'.repeat(64)}` as Digest;

function entry(line: number, source: string, to: string, more: Partial<PromotionEntry> = {}) {
  return { line, source: parseReference(source), target: parseRepository(to), ...more };
}

function resultFor(req: PromoteRequest, more: Partial<PromotionResult> = {}): PromotionResult {
  return {
    source: `${formatReference(req.source)}@${digest}`,
    digest,
    repository: formatReference(req.target),
    tags: [{ tag: req.source.tag ?? 'x', action: 'created', previousDigest: null }],
    copy: {
      manifests: { copied: 1, skipped: 0 },
      blobs: { copied: 2, mounted: 0, skipped: 0 },
      bytesCopied: 10,
      referrers: [],
    },
    record: null,
    conflicts: [],
    dryRun: req.copy?.dryRun === true,
    ...more,
  };
}

/** errorOf is the error of a failed result (undefined for a success). */
const errorOf = (r: BatchResult | undefined) => (r && !r.ok ? r.error : undefined);
const failedResultOf = (r: BatchResult | undefined) => (r && !r.ok ? r.result : undefined);

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake promote: waits `ms` (by source tag), records concurrency, fails where told. */
function fakePromote(opts: { ms?: (req: PromoteRequest) => number; fail?: Record<string, Error> }) {
  const calls: PromoteRequest[] = [];
  const active = new Set<string>();
  let peak = 0;
  const overlapping: string[] = [];
  const fn: PromoteFn = async (_client, req) => {
    calls.push(req);
    const repo = formatReference(req.target);
    if (active.has(repo)) overlapping.push(repo);
    active.add(repo);
    peak = Math.max(peak, active.size);
    try {
      await delay(opts.ms?.(req) ?? 5);
      const err = opts.fail?.[formatReference(req.source)];
      if (err) throw err;
      return resultFor(req);
    } finally {
      active.delete(repo);
    }
  };
  return {
    fn,
    calls,
    get peak() {
      return peak;
    },
    overlapping,
  };
}

t.test(
  'selectShard: entry k goes to shard (k mod N)+1; shards cover every entry once',
  async (t) => {
    const list = Array.from({ length: 10 }, (_, i) => i);
    t.same(selectShard(list, 1, 3), [0, 3, 6, 9]);
    t.same(selectShard(list, 2, 3), [1, 4, 7]);
    t.same(selectShard(list, 3, 3), [2, 5, 8]);
    t.same(selectShard(list, 1, 1), list);
    t.same(selectShard([1, 2], 4, 5), [], 'a shard can be empty');
    for (const n of [1, 2, 3, 4, 7, 10, 11]) {
      const all = Array.from({ length: n }, (_, i) => i + 1).flatMap((i) =>
        selectShard(list, i, n),
      );
      t.same(
        all.sort((a, b) => a - b),
        list,
        `${n} shards cover every entry exactly once`,
      );
    }
    const bad: Array<[number, number]> = [
      [0, 3],
      [4, 3],
      [1, 0],
      [-1, 2],
      [1.5, 3],
      [1, Number.NaN],
      [Number.NaN, 3],
    ];
    for (const [i, n] of bad) {
      t.throws(() => selectShard(list, i, n), UsageError, `${i}/${n} refused`);
    }
  },
);

t.test('parseShard: strict I/N', async (t) => {
  t.same(parseShard('1/1'), { index: 1, count: 1 });
  t.same(parseShard('2/3'), { index: 2, count: 3 });
  t.same(parseShard('12/256'), { index: 12, count: 256 });
  for (const bad of [
    '0/3',
    '4/3',
    'a/b',
    '1/0',
    '01/3',
    '1/03',
    ' 1/3',
    '1/3 ',
    '1 / 3',
    '1',
    '1/',
    '/3',
    '-1/3',
    '1/3/4',
    '1.0/3',
    '+1/3',
    '',
  ]) {
    t.throws(
      () => parseShard(bad),
      { code: 'ERR_USAGE', message: /^invalid shard ".*": expected I\/N with 1 ≤ I ≤ N/ },
      JSON.stringify(bad),
    );
  }
});

t.test('requestFor: entry fields, then defaults; gates add up', async (t) => {
  const signal = new AbortController().signal;
  const onEvent = () => {};
  const e = entry(3, 'reg.io/a:1.2.3', 'reg.io/b', {
    tags: ['1.2.3'],
    semver: false,
    requireReferrers: ['x/sig'],
    platforms: [{ os: 'linux', architecture: 'arm64' }],
  });
  t.same(
    requestFor(e, {
      copy: {
        jobs: 3,
        chunkSize: 1024,
        retry: { retries: 1 },
        dryRun: true,
        referrers: true,
        platforms: [{ os: 'linux', architecture: 'amd64' }],
        signal,
        onEvent,
      },
      semver: true,
      allowOverwrite: true,
      requireReferrers: ['x/sig', 'y/sbom'],
      provenance: { actor: 'ci' },
    }),
    {
      source: e.source,
      target: e.target,
      tags: ['1.2.3'],
      semver: false,
      allowOverwrite: true,
      requireReferrers: ['x/sig', 'y/sbom'],
      // Every copy option passes as it is; the entry's own platforms take the place of the default's.
      copy: {
        jobs: 3,
        chunkSize: 1024,
        retry: { retries: 1 },
        dryRun: true,
        referrers: true,
        platforms: [{ os: 'linux', architecture: 'arm64' }],
        signal,
        onEvent,
      },
      provenance: { actor: 'ci' },
    },
  );
  t.same(requestFor(entry(1, 'reg.io/a:1', 'reg.io/b')), {
    source: parseReference('reg.io/a:1'),
    target: parseRepository('reg.io/b'),
  });
});

t.test('requestFor: the stage-evidence gate of an entry reaches the request', async (t) => {
  const e = entry(2, 'reg.io/a:1', 'reg.io/b', {
    requireVerified: ['staging', 'qa'],
    maxAge: '72h',
    maxAgeMs: 72 * 3_600_000,
    evidenceRepository: parseRepository('reg.io/evidence'),
  });
  t.same(requestFor(e), {
    source: e.source,
    target: e.target,
    requireVerified: ['staging', 'qa'],
    maxAgeMs: 72 * 3_600_000,
    evidenceRepository: parseRepository('reg.io/evidence'),
  });
});

t.test(
  'requestFor: gate defaults (the command line) add stages; an entry says its own age and place',
  async (t) => {
    const defaults = {
      requireVerified: ['security', 'staging'],
      maxAgeMs: 3_600_000,
      evidenceRepository: parseRepository('reg.io/all-evidence'),
      allowHeld: 'hotfix for INC-1',
      overrideFreeze: 'approved by the change board',
    };
    const bare = entry(1, 'reg.io/a:1', 'reg.io/b');
    t.same(requestFor(bare, defaults), {
      source: bare.source,
      target: bare.target,
      requireVerified: ['security', 'staging'],
      maxAgeMs: 3_600_000,
      evidenceRepository: parseRepository('reg.io/all-evidence'),
      allowHeld: 'hotfix for INC-1',
      overrideFreeze: 'approved by the change board',
    });
    const own = entry(2, 'reg.io/c:1', 'reg.io/d', {
      requireVerified: ['staging', 'qa'],
      maxAgeMs: 60_000,
      evidenceRepository: parseRepository('reg.io/qa-evidence'),
    });
    t.same(requestFor(own, defaults), {
      source: own.source,
      target: own.target,
      requireVerified: ['staging', 'qa', 'security'],
      maxAgeMs: 60_000,
      evidenceRepository: parseRepository('reg.io/qa-evidence'),
      allowHeld: 'hotfix for INC-1',
      overrideFreeze: 'approved by the change board',
    });
  },
);

t.test('promoteBatch: every entry runs, failures are recorded, file order kept', async (t) => {
  const entries = [
    entry(2, 'reg.io/s/a:1', 'reg.io/p/a'),
    entry(5, 'reg.io/s/b:1', 'reg.io/p/b'),
    entry(8, 'reg.io/s/c:1', 'reg.io/p/c'),
    entry(11, 'reg.io/s/d:1', 'reg.io/p/d'),
  ];
  const notFound = new NotFoundError({
    status: 404,
    method: 'GET',
    url: 'http://reg.io/v2/s/b/manifests/1',
    what: 'source',
  });
  const fake = fakePromote({
    // The first entry finishes last: results still come back in file order.
    ms: (req) => (req.source.repository === 's/a' ? 40 : 5),
    fail: {
      'reg.io/s/b:1': notFound,
      'reg.io/s/c:1': new PolicyError('promotion refused: tag 1 exists\nwith another digest'),
    },
  });
  const seen: BatchResult[] = [];
  const out = await promoteBatch(client, entries, {
    promoteFn: fake.fn,
    onResult: (r) => {
      seen.push(r);
    },
  });
  t.equal(fake.calls.length, 4, 'all four ran');
  t.equal(out.succeeded, 2);
  t.equal(out.failed, 2);
  t.same(
    out.results.map((r) => [r.line, r.ok]),
    [
      [2, true],
      [5, false],
      [8, false],
      [11, true],
    ],
  );
  const [a, b, c] = out.results;
  t.ok(a?.ok && a.result.digest === digest);
  t.same(errorOf(b), { code: 'ERR_NOT_FOUND', message: notFound.message });
  t.same(
    errorOf(c),
    {
      code: 'ERR_POLICY',
      message: 'promotion refused: tag 1 exists with another digest',
    },
    'one line',
  );
  t.equal(a?.entry, entries[0], 'the entry itself');
  t.equal(seen.length, 4, 'onResult once per entry');
  t.equal(seen.at(-1)?.line, 2, 'onResult in the order entries finish');
});

t.test('promoteBatch: at most `parallel` at once, default 8', async (t) => {
  const entries = Array.from({ length: 12 }, (_, i) =>
    entry(i + 1, `reg.io/s/a${i}:1`, `reg.io/p/a${i}`),
  );
  for (const [parallel, want] of [
    [undefined, 8],
    [1, 1],
    [4, 4],
    [20, 12],
  ] as const) {
    const fake = fakePromote({});
    const out = await promoteBatch(client, entries, {
      promoteFn: fake.fn,
      ...(parallel !== undefined && { parallel }),
    });
    t.equal(fake.peak, want, `parallel ${parallel ?? 'default'}: peak ${want}`);
    t.equal(out.succeeded, 12);
  }
  await t.rejects(promoteBatch(client, entries, { parallel: 0 }), UsageError);
  await t.rejects(promoteBatch(client, entries, { parallel: 1.5 }), UsageError);
});

t.test('promoteBatch: one target repository at a time, in file order', async (t) => {
  const entries = [
    entry(1, 'reg.io/s/app:1.0.0', 'reg.io/p/app'),
    entry(2, 'reg.io/s/app:1.1.0', 'reg.io/p/app'),
    entry(3, 'reg.io/s/web:1', 'reg.io/p/web'),
    entry(4, 'reg.io/s/app:1.2.0', 'reg.io/p/app'),
    entry(5, 'reg.io/s/api:1', 'reg.io/p/api'),
  ];
  const fake = fakePromote({ ms: () => 10 });
  const out = await promoteBatch(client, entries, { promoteFn: fake.fn, parallel: 4 });
  t.same(fake.overlapping, [], 'never two promotions into one repository at once');
  t.same(
    fake.calls.filter((r) => r.target.repository === 'p/app').map((r) => r.source.tag),
    ['1.0.0', '1.1.0', '1.2.0'],
    'same-repository entries in file order',
  );
  t.equal(fake.peak, 3, 'other repositories still run alongside');
  t.equal(out.succeeded, 5);
});

t.test('promoteBatch: defaults reach every request; promoteOptions are passed', async (t) => {
  const reqs: PromoteRequest[] = [];
  const opts: unknown[] = [];
  await promoteBatch(client, [entry(1, 'reg.io/s/a:1', 'reg.io/p/a', { referrers: false })], {
    defaults: {
      copy: { dryRun: true, jobs: 2, chunkSize: 4096, referrers: true },
      provenance: { runUrl: 'u' },
    },
    promoteOptions: { tool: 'oci-promote/test' },
    promoteFn: async (_c, req, o) => {
      reqs.push(req);
      opts.push(o);
      return resultFor(req);
    },
  });
  t.match(reqs[0], {
    copy: { dryRun: true, jobs: 2, chunkSize: 4096, referrers: false },
    provenance: { runUrl: 'u' },
  });
  t.same(opts, [{ tool: 'oci-promote/test' }]);
});

t.test(
  'promoteBatch: a tag moved by another writer fails the entry, keeping its result',
  async (t) => {
    const other = `sha256:${'c'.repeat(64)}` as Digest;
    const out = await promoteBatch(client, [entry(4, 'reg.io/s/a:1', 'reg.io/p/a')], {
      promoteFn: async (_c, req) =>
        resultFor(req, { conflicts: [{ tag: '1', expected: digest, found: other }] }),
    });
    t.equal(out.failed, 1);
    const [r] = out.results;
    t.equal(r?.ok, false);
    t.same(errorOf(r), {
      code: 'ERR_TAG_CONFLICT',
      message: `another writer moved tags right after this promotion wrote them: 1 now points to ${other}`,
    });
    t.equal(failedResultOf(r)?.digest, digest);
  },
);

t.test('promoteBatch: an onResult failure fails that entry, the batch goes on', async (t) => {
  const entries = [entry(1, 'reg.io/s/a:1', 'reg.io/p/a'), entry(2, 'reg.io/s/b:1', 'reg.io/p/b')];
  const out = await promoteBatch(client, entries, {
    parallel: 1,
    promoteFn: async (_c, req) => resultFor(req),
    onResult: (r) => {
      if (r.line === 1) throw new Error('audit log: disk full');
    },
  });
  t.same(
    out.results.map((r) => r.ok),
    [false, true],
  );
  const [r] = out.results;
  t.same(errorOf(r), { code: 'ERR_UNEXPECTED', message: 'audit log: disk full' });
  t.ok(failedResultOf(r), 'the promotion result is kept');
});

t.test('promoteBatch: an abort stops new entries; running ones get the signal', async (t) => {
  const ac = new AbortController();
  const entries = Array.from({ length: 5 }, (_, i) =>
    entry(i + 1, `reg.io/s/a${i}:1`, `reg.io/p/a${i}`),
  );
  let started = 0;
  const out = await promoteBatch(client, entries, {
    parallel: 2,
    defaults: { copy: { signal: ac.signal } },
    promoteFn: async (_c, req) => {
      started++;
      if (started === 2) ac.abort(new Error('SIGINT'));
      await delay(5);
      if (req.copy?.signal?.aborted) {
        const e = new Error('This operation was aborted');
        e.name = 'AbortError';
        throw e;
      }
      return resultFor(req);
    },
  });
  t.equal(started, 2, 'nothing started after the abort');
  t.same(
    out.results.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['ERR_ABORTED', 'ERR_ABORTED', 'ERR_ABORTED', 'ERR_ABORTED', 'ERR_ABORTED'],
  );
  t.same(errorOf(out.results[4])?.message, 'not started: the batch was cancelled (SIGINT)');
  t.equal(out.failed, 5);
});

t.test('promoteBatch: an empty list', async (t) => {
  t.same(await promoteBatch(client, [], { promoteFn: async () => t.fail('not called') as never }), {
    results: [],
    succeeded: 0,
    failed: 0,
  });
});

t.test('batchError: code and one line', async (t) => {
  t.same(batchError(new UsageError('bad\n  input')), { code: 'ERR_USAGE', message: 'bad input' });
  t.same(batchError(new TypeError('x is undefined')), {
    code: 'ERR_UNEXPECTED',
    message: 'x is undefined',
  });
  t.same(batchError('plain'), { code: 'ERR_UNEXPECTED', message: 'plain' });
});
