import t from 'tap';
import {
  attest,
  type Descriptor,
  digestOf,
  FrozenError,
  freeze,
  HeldError,
  history,
  hold,
  IN_TOTO_MEDIA_TYPE,
  NotVerifiedError,
  type PromoteRequest,
  parseReference,
  parseRepository,
  promote,
  promoteBatch,
  RECORD_ARTIFACT_TYPE,
  release,
  rollback,
  STATEMENT_TYPE,
  status,
  UsageError,
  unfreeze,
} from '../../lib/index.js';
import { OCI_EMPTY, OCI_MANIFEST } from '../../lib/media-types.js';
import { journalTag } from '../../lib/promote/journal.js';
import { appendToLedger } from '../../lib/promote/ledger.js';
import { referrerDescriptor } from '../../lib/registry/referrers.js';
import { headManifest, listTags, stager } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client, work } = await twoRegistries(t, 'evidence');

const stage = stager(src, work, 'evidence', { layerSize: 500 });
const req = (source: string, target: string, over: Partial<PromoteRequest> = {}) => ({
  source: parseReference(`${src.host}/${source}`),
  target: parseRepository(`${dst.host}/${target}`),
  ...over,
});
const prod = (repo: string) => parseRepository(`${dst.host}/${repo}`);
const staging = (repo: string) => parseRepository(`${src.host}/${repo}`);
const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { code: string };
  }
  throw new Error('expected a refusal');
};

t.test(
  'rollback holds the bad digest: re-running its promotion is refused until released',
  async (t) => {
    const good = await stage('hr', '1.0.0');
    const bad = await stage('hr', '1.1.0');
    await promote(client, req('hr:1.0.0', 'hr', { tags: ['prod'] }));
    await promote(client, req('hr:1.1.0', 'hr', { tags: ['prod'] }));
    const rb = await rollback(client, {
      target: parseReference(`${dst.host}/hr:prod`),
      reason: 'health check failed',
      provenance: { actor: 'alice', runUrl: 'https://ci.example/run/7' },
    });
    t.equal(rb.digest, good);
    t.ok(rb.hold, 'the rollback wrote a hold');

    const again = await refusal(promote(client, req('hr:1.1.0', 'hr', { tags: ['prod'] })));
    t.type(again, HeldError);
    t.equal(again.code, 'ERR_HELD');
    t.match(again.message, bad, 'names the digest');
    t.match(again.message, /by alice: health check failed/, 'names who held it and why');
    t.equal(await headManifest(dst, 'hr', 'prod'), good, 'prod stays on the good digest');

    // A batch entry is refused the same way, and a dry run says so too.
    const { source, target } = req('hr:1.1.0', 'hr');
    const batch = await promoteBatch(client, [{ line: 1, source, target, tags: ['prod'] }]);
    t.equal(batch.results[0]?.ok, false, 'the batch entry is refused');
    t.type(
      await refusal(
        promote(client, req('hr:1.1.0', 'hr', { tags: ['prod'], copy: { dryRun: true } })),
      ),
      HeldError,
    );

    // --allow-held goes through and is written down.
    const forced = await promote(
      client,
      req('hr:1.1.0', 'hr', { tags: ['canary'], allowHeld: 'reproducing the incident' }),
    );
    t.same(forced.overrides, [{ gate: 'hold', reason: 'reproducing the incident' }]);
    const entry = (await history(client, prod('hr'))).entries.find(
      (e) => e.record === forced.record,
    );
    t.same(entry && 'overrides' in entry && entry.overrides, [
      { gate: 'hold', reason: 'reproducing the incident' },
    ]);

    const rel = await release(client, {
      target: { ...prod('hr'), digest: bad },
      reason: 'fixed config',
    });
    t.ok(rel.record);
    const after = await promote(client, req('hr:1.1.0', 'hr', { tags: ['prod'] }));
    t.equal(after.tags[0]?.action, 'moved', 'released: the promotion goes through');

    const noHold = await rollback(client, {
      target: parseReference(`${dst.host}/hr:prod`),
      hold: false,
    });
    t.equal(noHold.hold, null, 'hold: false writes no hold');
    t.notOk((await status(client, { target: { ...prod('hr'), digest: bad } })).held);
  },
);

t.test('--require-verified: the latest record of each stage decides; --max-age', async (t) => {
  const digest = await stage('vr', '2.0.0');
  const image = { ...staging('vr'), digest };
  const gated = (over: Partial<PromoteRequest> = {}) =>
    promote(client, req('vr:2.0.0', 'vr', { requireVerified: ['staging'], ...over }));

  const none = await refusal(gated());
  t.type(none, NotVerifiedError);
  t.match(none.message, /stage staging: no verification record/);
  t.same(await listTags(dst, 'vr'), [], 'nothing written before the gate');

  await attest(client, {
    image: parseReference(`${src.host}/vr:2.0.0`),
    stage: 'staging',
    result: 'passed',
  });
  await attest(client, {
    image,
    stage: 'staging',
    result: 'failed',
    provenance: { actor: 'ci-bot', runUrl: 'https://ci.example/run/9' },
    checks: [{ name: 'health', result: 'failed' }],
  });
  const failed = await refusal(gated());
  t.type(failed, NotVerifiedError);
  t.match(
    failed.message,
    /stage staging: failed at \S+ by ci-bot \(https:\/\/ci\.example\/run\/9\)/,
  );

  await attest(client, { image, stage: 'staging', result: 'passed', summary: 'all green' });
  const ok = await gated();
  t.equal(ok.tags[0]?.action, 'created', 'passed again: promoted');

  // Another stage never attested; and a record older than --max-age.
  t.match(
    (await refusal(gated({ requireVerified: ['staging', 'perf'] }))).message,
    /stage perf: no verification record/,
  );
  await new Promise((r) => setTimeout(r, 30));
  t.match(
    (await refusal(gated({ maxAgeMs: 10, tags: ['other'] }))).message,
    /stage staging: passed at .*too old for --max-age/,
  );

  // Records read elsewhere: --evidence-repo.
  const copied = await stage('vr-copy', '2.0.0');
  t.equal(copied === digest, false);
  await attest(client, {
    image: { ...staging('vr-evidence'), digest: copied },
    stage: 'staging',
    result: 'passed',
  }).catch((e) =>
    t.match(String(e), /not found/, 'attest needs the image in the repository it writes to'),
  );
  const elsewhere = await refusal(
    promote(
      client,
      req('vr-copy:2.0.0', 'vr2', {
        requireVerified: ['staging'],
        evidenceRepository: staging('vr'),
      }),
    ),
  );
  t.match(elsewhere.message, /no verification record/, 'evidence read from the repository named');

  const s = await status(client, { target: image });
  t.same(Object.keys(s.stages), ['staging']);
  t.equal(s.stages.staging?.result, 'passed');
  t.equal(s.stages.staging?.summary, 'all green');
  t.equal(s.verifications.length, 3, 'every verification, newest first');
});

t.test(
  'freeze refuses promotions, allows rollback; override recorded; until expires',
  async (t) => {
    await stage('fz', '3.0.0');
    await stage('fz', '3.1.0');
    await promote(client, req('fz:3.0.0', 'fz', { tags: ['prod'] }));
    await promote(client, req('fz:3.1.0', 'fz', { tags: ['prod'] }));
    await freeze(client, {
      target: prod('fz'),
      reason: 'year-end freeze',
      provenance: { actor: 'ops' },
    });

    const frozen = await refusal(promote(client, req('fz:3.0.0', 'fz', { tags: ['x'] })));
    t.type(frozen, FrozenError);
    t.match(frozen.message, /frozen since .* by ops: year-end freeze/);
    const rb = await rollback(client, { target: parseReference(`${dst.host}/fz:prod`) });
    t.ok(rb.record, 'rollback is the way out of an incident: allowed');

    const over = await promote(
      client,
      req('fz:3.0.0', 'fz', { tags: ['hotfix'], overrideFreeze: 'security fix' }),
    );
    const s = await status(client, { target: prod('fz') });
    t.equal(s.freeze?.reason, 'year-end freeze');
    const e = s.history.find((h) => h.record === over.record);
    t.same(e && 'overrides' in e && e.overrides, [{ gate: 'freeze', reason: 'security fix' }]);

    await unfreeze(client, { target: prod('fz'), reason: 'done' });
    t.equal((await status(client, { target: prod('fz') })).freeze, null, 'unfrozen');

    // A freeze with --until lifts by itself.
    await freeze(client, {
      target: prod('fz'),
      reason: 'short',
      until: new Date(Date.now() + 400),
    });
    t.type(await refusal(promote(client, req('fz:3.0.0', 'fz', { tags: ['y'] }))), FrozenError);
    await new Promise((r) => setTimeout(r, 500));
    const lifted = await promote(client, req('fz:3.0.0', 'fz', { tags: ['y'] }));
    t.equal(lifted.tags[0]?.action, 'created', 'the freeze expired');
  },
);

t.test('records are in-toto statements; records in the older formats still read', async (t) => {
  const digest = await stage('st', '4.0.0');
  const r = await promote(client, req('st:4.0.0', 'st'));
  const repo = client.repository(prod('st'));
  const { manifest } = await repo.manifests.get(r.record!);
  if (manifest.kind !== 'image') throw new Error('record is not an image manifest');
  t.equal(manifest.artifactType, RECORD_ARTIFACT_TYPE);
  t.equal(manifest.layers[0]?.mediaType, IN_TOTO_MEDIA_TYPE);
  const { annotations: _, ...statementBlob } = manifest.layers[0]!;
  t.same(manifest.config, statementBlob, 'the statement is also the config: one blob');
  t.equal(manifest.subject?.digest, digest, 'a referrer of the image');
  const bytes = await repo.blobs.fetchBytes(manifest.layers[0]!, 64 * 1024);
  const statement = JSON.parse(bytes.toString());
  t.equal(statement._type, STATEMENT_TYPE);
  t.equal(statement.predicateType, 'https://oci-promote.dev/promotion/v1');
  t.same(statement.subject, [{ name: `${dst.host}/st`, digest: { sha256: digest.slice(7) } }]);
  t.equal(statement.predicate.digest, digest);

  // Records as earlier versions wrote them, with the empty config: a bare `version: 1`
  // document in a record-typed layer, then an in-toto statement layer.
  const empty = { mediaType: OCI_EMPTY, digest: digestOf(Buffer.from('{}')), size: 2 };
  await repo.blobs.upload(empty, Buffer.from('{}'));
  // One promotion of `tag`, written in an older format with the empty config.
  const writeOlder = async (
    format: 'version 1' | 'statement',
    tag: string,
    actor: string,
    time: string,
  ) => {
    const tags = [{ tag, action: 'created', previousDigest: null }];
    const fields = {
      action: 'promote',
      time,
      repository: `${dst.host}/st`,
      digest,
      source: null,
      tags,
      actor,
      runUrl: null,
      tool: 'oci-promote 0.1.0',
    };
    const body = Buffer.from(
      JSON.stringify(
        format === 'version 1' ? { version: 1, ...fields } : { ...statement, predicate: fields },
      ),
    );
    const layer: Descriptor =
      format === 'version 1'
        ? { mediaType: RECORD_ARTIFACT_TYPE, digest: digestOf(body), size: body.length }
        : {
            mediaType: IN_TOTO_MEDIA_TYPE,
            digest: digestOf(body),
            size: body.length,
            annotations: { 'in-toto.io/predicate-type': 'https://oci-promote.dev/promotion/v1' },
          };
    const annotations = {
      'org.opencontainers.image.created': time,
      'dev.oci-promote.action': 'promote',
      'dev.oci-promote.digest': digest,
      'dev.oci-promote.tags': JSON.stringify(tags),
      'dev.oci-promote.actor': actor,
    };
    const m = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: RECORD_ARTIFACT_TYPE,
      config: empty,
      layers: [layer],
      subject: { mediaType: manifest.subject!.mediaType, digest, size: manifest.subject!.size },
      annotations,
    };
    await repo.blobs.upload(layer, body);
    const mBytes = Buffer.from(JSON.stringify(m));
    await repo.manifests.put(journalTag(new Date(time), digestOf(mBytes)), mBytes, OCI_MANIFEST);
    await appendToLedger(
      repo,
      referrerDescriptor(
        { mediaType: OCI_MANIFEST, digest: digestOf(mBytes), size: mBytes.length },
        {
          kind: 'image',
          mediaType: OCI_MANIFEST,
          artifactType: RECORD_ARTIFACT_TYPE,
          config: empty,
          layers: [layer],
          annotations,
        } as never,
      ),
    );
  };
  await writeOlder('version 1', 'legacy', 'old', '2026-01-01T00:00:00.000Z');
  await writeOlder('statement', 'empty-config', 'older', '2026-02-01T00:00:00.000Z');
  const h = await history(client, prod('st'));
  t.ok(
    h.entries.some((e) => e.tag === 'legacy' && e.actor === 'old'),
    'history lists the version-1 record',
  );
  t.ok(
    h.entries.some((e) => e.tag === 'empty-config' && e.actor === 'older'),
    'history lists the statement record with the empty config',
  );
});

t.test('bad input: exit-2 errors, nothing written', async (t) => {
  const digest = await stage('bad', '5.0.0');
  await promote(client, req('bad:5.0.0', 'bad'));
  const before = await listTags(dst, 'bad');
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    [
      'hold by tag',
      () => hold(client, { target: parseReference(`${dst.host}/bad:5.0.0`), reason: 'x' }),
      /a digest, not a tag/,
    ],
    [
      'hold without reason',
      () => hold(client, { target: { ...prod('bad'), digest }, reason: '  ' }),
      /--reason is required/,
    ],
    [
      'freeze a tag',
      () => freeze(client, { target: parseReference(`${dst.host}/bad:5.0.0`), reason: 'x' }),
      /without tag or digest/,
    ],
    [
      'freeze in the past',
      () => freeze(client, { target: prod('bad'), reason: 'x', until: new Date(0) }),
      /not in the future/,
    ],
    [
      'stage syntax',
      () =>
        attest(client, { image: { ...prod('bad'), digest }, stage: 'Staging!', result: 'passed' }),
      /stage names/,
    ],
    [
      'result',
      () =>
        attest(client, { image: { ...prod('bad'), digest }, stage: 's', result: 'ok' as never }),
      /passed or failed/,
    ],
    [
      'details too large',
      () =>
        attest(client, {
          image: { ...prod('bad'), digest },
          stage: 's',
          result: 'passed',
          details: { x: 'y'.repeat(70_000) },
        }),
      /at most 65536/,
    ],
    [
      'reason with a newline',
      () => release(client, { target: { ...prod('bad'), digest }, reason: 'a\nb' }),
      /one line/,
    ],
  ];
  for (const [name, run, message] of cases) {
    const e = await refusal(run());
    t.type(e, UsageError, name);
    t.match(e.message, message, name);
  }
  t.same(await listTags(dst, 'bad'), before, 'no tag, no record written');
});
