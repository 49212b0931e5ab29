/**
 * Records as in-toto Statements (in-toto attestation framework, Statement v1:
 * https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md), so tools that
 * read attestations can read ours. The statement's `subject` is the image the record
 * speaks of (by digest), or, for a freeze, the repository (by URI); its `predicateType`
 * names the kind of record; its `predicate` holds the record's fields.
 *
 * The layer carrying it has the in-toto media type and the `in-toto.io/predicate-type`
 * annotation, as buildx attestation manifests do.
 */
import { algorithmOf, hexOf, isDigest } from '../digest.js';
import type { RecordAction } from './types.js';

/** STATEMENT_TYPE is the `_type` of an in-toto Statement v1. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** IN_TOTO_MEDIA_TYPE is the media type of a layer holding an in-toto statement. */
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';
/** PREDICATE_TYPE_ANNOTATION names the predicate type on the layer. */
export const PREDICATE_TYPE_ANNOTATION = 'in-toto.io/predicate-type';

/** PREDICATE_TYPES: one stable URI per kind of record. */
export const PREDICATE_TYPES: Readonly<Record<RecordAction, string>> = {
  promote: 'https://oci-promote.dev/promotion/v1',
  rollback: 'https://oci-promote.dev/rollback/v1',
  attest: 'https://oci-promote.dev/verification/v1',
  hold: 'https://oci-promote.dev/hold/v1',
  release: 'https://oci-promote.dev/release/v1',
  freeze: 'https://oci-promote.dev/freeze/v1',
  unfreeze: 'https://oci-promote.dev/unfreeze/v1',
};

/** What a statement needs of a record: what it speaks of, and its kind. */
export interface StatementFields {
  action: RecordAction;
  repository: string;
  digest: string | null;
}

/** Statement is an in-toto Statement v1 with our predicate. */
export interface Statement<P> {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest?: Record<string, string>; uri?: string }>;
  predicateType: string;
  predicate: P;
}

/** statementOf wraps a record's fields in a statement. */
export function statementOf<P extends StatementFields>(predicate: P): Statement<P> {
  const subject =
    predicate.digest !== null && isDigest(predicate.digest)
      ? {
          name: predicate.repository,
          digest: { [algorithmOf(predicate.digest)]: hexOf(predicate.digest) },
        }
      : { name: predicate.repository, uri: `oci://${predicate.repository}` };
  return {
    _type: STATEMENT_TYPE,
    subject: [subject],
    predicateType: PREDICATE_TYPES[predicate.action],
    predicate,
  };
}

/**
 * predicateOf reads a statement a registry served: its type, its predicate type and its
 * subject must agree with the predicate it carries, or it is no record of ours
 * (undefined). The predicate itself is validated by the caller.
 */
export function predicateOf(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<Statement<unknown>>;
  const p = s.predicate as Record<string, unknown> | undefined;
  if (s._type !== STATEMENT_TYPE || typeof p !== 'object' || p === null) return undefined;
  const action = p.action as RecordAction;
  if (!Object.hasOwn(PREDICATE_TYPES, action) || s.predicateType !== PREDICATE_TYPES[action]) {
    return undefined;
  }
  if (!Array.isArray(s.subject) || s.subject.length !== 1) return undefined;
  const expected = statementOf({
    action,
    repository: String(p.repository),
    digest: typeof p.digest === 'string' ? p.digest : null,
  }).subject[0];
  return JSON.stringify(s.subject[0]) === JSON.stringify(expected) ? p : undefined;
}
