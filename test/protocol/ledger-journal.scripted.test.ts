/**
 * Scripted-HTTP test of journal tags a registry lists (docs/promotion.md, "The ledger"):
 * a record the cache lacks is fetched by its tag and must hash to the digest prefix the
 * tag names; what it says is validated like any ledger entry. A real registry cannot
 * serve a tag whose content disagrees with its name; a script does.
 */
import t from 'tap';
import { createClient, type Digest, digestOf, history, parseReference } from '../../lib/index.js';
import { OCI_EMPTY, OCI_MANIFEST } from '../../lib/media-types.js';
import { journalTag } from '../../lib/promote/journal.js';
import { LEDGER_TAG } from '../../lib/promote/ledger.js';
import { ANNOTATION, RECORD_ARTIFACT_TYPE } from '../../lib/promote/record.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const image = digestOf(Buffer.from('the image'));
const empty = { mediaType: OCI_EMPTY, digest: digestOf(Buffer.from('{}')), size: 2 };

/** recordManifest renders a record manifest claiming `digest` was promoted to `tag`. */
function recordManifest(digest: string, tag: string, time: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: RECORD_ARTIFACT_TYPE,
      config: empty,
      layers: [{ mediaType: RECORD_ARTIFACT_TYPE, digest: empty.digest, size: 2 }],
      subject: { mediaType: OCI_MANIFEST, digest: image, size: 9 },
      annotations: {
        [ANNOTATION.created]: time,
        [ANNOTATION.action]: 'promote',
        [ANNOTATION.digest]: digest,
        [ANNOTATION.tags]: JSON.stringify([{ tag, previousDigest: null }]),
      },
    }),
  );
}

t.test(
  'journal tags the cache lacks: only content that hashes to the tag name counts',
  async (t) => {
    const good = recordManifest(image, 'good', '2026-01-03T00:00:00.000Z');
    const forged = recordManifest(
      '../../../x/app/manifests/1',
      'forged',
      '2026-01-02T00:00:00.000Z',
    );
    const misnamed = recordManifest(image, 'misnamed', '2026-01-01T00:00:00.000Z');
    const at = new Date('2026-01-01T00:00:00.000Z');
    const served: Record<string, Buffer> = {
      [journalTag(at, digestOf(good))]: good,
      [journalTag(at, digestOf(forged))]: forged,
      // Named after another manifest's digest.
      [journalTag(at, digestOf(Buffer.from('another')))]: misnamed,
    };
    const reg = await scriptedServer(t, [
      { method: 'GET', path: `/v2/app/manifests/${LEDGER_TAG}`, reply: { status: 404 } },
      {
        method: 'GET',
        path: '/v2/app/tags/list?n=1000',
        reply: { status: 200, body: { name: 'app', tags: ['latest', ...Object.keys(served)] } },
      },
      {
        method: 'GET',
        path: /^\/v2\/app\/manifests\/oci-promote-history\./,
        times: 3,
        reply: (req) => ({
          status: 200,
          headers: { 'content-type': OCI_MANIFEST },
          body: served[req.path.slice('/v2/app/manifests/'.length)]!,
        }),
      },
    ]);
    const client = createClient({ plainHttp: true });
    t.teardown(() => client.close());
    const h = await history(client, parseReference(`${reg.host}/app`));
    t.same(
      h.entries.map((e) => [e.tag, e.digest, e.record]),
      [['good', image, digestOf(good) as Digest]],
      'the misnamed one is ignored, the forged one left out, the good one listed',
    );
  },
);
