import t from 'tap';
import type { Digest } from '../digest.js';
import { isValidTag } from '../reference.js';
import { journalTag, parseJournalTag, prefixOf } from './journal.js';

const D = `sha256:${'0123456789abcdef'.repeat(4)}` as Digest;

t.test('a journal tag names the time and the digest, and parses back', async (t) => {
  const tag = journalTag(new Date('2026-12-01T13:17:30.123Z'), D);
  t.equal(tag, 'oci-promote-history.20261201T131730123Z.0123456789abcdef');
  t.ok(isValidTag(tag) && tag.length <= 128, 'a valid tag');
  t.same(parseJournalTag(tag), {
    tag,
    time: '20261201T131730123Z',
    prefix: 'sha256:0123456789abcdef',
  });
  t.equal(prefixOf(D), 'sha256:0123456789abcdef');
  t.ok(D.startsWith(parseJournalTag(tag)!.prefix));
});

t.test('other tags are not journal tags', async (t) => {
  for (const tag of [
    'oci-promote-history',
    'oci-promote-history.20261201T131730123Z.0123456789ABCDEF',
    'oci-promote-history.20261201T131730123Z.0123456789abcde',
    'oci-promote-history.2026-12-01.0123456789abcdef',
    'xoci-promote-history.20261201T131730123Z.0123456789abcdef',
    'oci-promote-history.20261201T131730123Z.0123456789abcdef.sig',
    'latest',
  ]) {
    t.equal(parseJournalTag(tag), undefined, tag);
  }
});

t.test('only sha256 manifests are journalled', async (t) => {
  t.throws(() => journalTag(new Date(), `sha512:${'a'.repeat(128)}` as Digest));
});
