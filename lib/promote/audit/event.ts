/**
 * The audit event: one action (promote, rollback, prune, and the evidence actions attest,
 * hold, release, freeze, unfreeze), or its failure, as one JSON object — a line of the
 * audit log and the `event` of a notification. A refusal by a stage-evidence gate (a hold,
 * a freeze, a stage not verified) names the gate in `refused`.
 *
 * Events carry no secrets of their own: references, digests, tags, actor and run URL,
 * and error messages with URLs stripped of credentials. An error message may still quote
 * a registry that echoed a secret back, so the caller masks the secrets it holds in the
 * event before writing or sending it (the CLI does, through its secret set).
 */
import type { Digest } from '../../digest.js';
import { type ErrorSummary, errorSummary } from '../../errors.js';
import type {
  CheckResult,
  EvidenceAction,
  EvidenceResult,
  Override,
  PromotionResult,
  Provenance,
  PruneResult,
  RollbackResult,
  TagChange,
  TagConflict,
} from '../types.js';

/** AuditAction is what an audit event is about. */
export type AuditAction = 'promote' | 'rollback' | 'prune' | EvidenceAction;

/** Gate names a stage-evidence check that refuses a promotion (docs/cli.md, exit codes). */
export type Gate = 'hold' | 'freeze' | 'require-verified';

/** The error codes of the gates' refusals (lib/errors.ts HeldError, FrozenError, NotVerifiedError). */
const GATES: Readonly<Record<string, Gate>> = {
  ERR_HELD: 'hold',
  ERR_FROZEN: 'freeze',
  ERR_NOT_VERIFIED: 'require-verified',
};

/**
 * refusalGate names the gate that refused, when `e` is such a refusal (by its stable
 * code, so an error from another copy of the package counts too); else undefined.
 */
export function refusalGate(e: unknown): Gate | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? GATES[code] : undefined;
}

/** AuditError is the failure an event reports: the error's stable code and one-line message. */
export type AuditError = ErrorSummary;

/** AuditEvent is one action, as one JSON object (one line of the audit log). */
export interface AuditEvent {
  /** ISO 8601 time the event was built (UTC). */
  time: string;
  action: AuditAction;
  ok: boolean;
  dryRun: boolean;
  /** The target repository. */
  repository: string;
  /** Promote: the source reference (with digest when resolved). */
  source?: string;
  /** Rollback: the tag rolled back. */
  tag?: string;
  /** Promote: the promoted digest. Rollback: the digest the tag points to now. */
  digest?: Digest;
  /** Promote: each tag's outcome. */
  tags?: TagChange[];
  /** Rollback: the digest the tag pointed to before. */
  previousDigest?: Digest | null;
  /** Rollback: the hold record written on `previousDigest` (only when one was). */
  hold?: Digest;
  /** Evidence actions: why (hold, release, freeze, unfreeze); null for attest. */
  reason?: string | null;
  /** Attest: the stage and its verdict. */
  stage?: string;
  result?: CheckResult;
  /** Freeze: when it lifts by itself (ISO time), or null. */
  until?: string | null;
  /** A refusal: the gate that refused (with `ok` false). */
  refused?: Gate;
  /** Digest of the history record pushed to the registry, or null when none was. */
  record?: Digest | null;
  /** Promote: gates passed by hand, with their reasons (only when any). */
  overrides?: Override[];
  /** Tags another writer moved right after this action wrote them (only when there are any). */
  conflicts?: TagConflict[];
  /** Prune: history records dropped from the ledger. */
  removedRecords?: Digest[];
  /** Prune: image manifests deleted. */
  deleted?: Digest[];
  /** Prune: history record artifacts deleted. */
  deletedRecords?: Digest[];
  /** Prune: dropped ledger entries that were not verifiably oci-promote's records. */
  ignoredRecords?: Digest[];
  /** Prune: why deletion was skipped, when it was. */
  deletionSkipped?: string | null;
  actor?: string;
  runUrl?: string;
  /** Set when `ok` is false. */
  error?: AuditError;
}

/** What a failed action was about, for auditEventFromFailure. */
export interface FailureContext {
  action: AuditAction;
  /** The target repository (as given, when it could not be parsed). */
  repository: string;
  source?: string;
  tag?: string;
  /** Evidence actions: the image the record would have spoken of (as given). */
  digest?: string;
  dryRun?: boolean;
}

/** Longest error message an event carries. */
const MAX_MESSAGE = 2000;

/** The fields every event starts with. */
function head(
  action: AuditAction,
  ok: boolean,
  subject: { dryRun?: boolean; repository: string },
  now: Date,
): Pick<AuditEvent, 'time' | 'action' | 'ok' | 'dryRun' | 'repository'> {
  return {
    time: now.toISOString(),
    action,
    ok,
    dryRun: subject.dryRun ?? false,
    repository: subject.repository,
  };
}

/** The fields every event ends with: conflicts (only when there are any) and provenance. */
function tail(
  conflicts: readonly TagConflict[],
  p: Provenance | undefined,
): Pick<AuditEvent, 'conflicts' | 'actor' | 'runUrl'> {
  return {
    ...(conflicts.length > 0 && { conflicts: conflicts.map((c) => ({ ...c })) }),
    ...(p?.actor && { actor: p.actor }),
    ...(p?.runUrl && { runUrl: p.runUrl }),
  };
}

/** auditEventFromPromotion records a promotion (or, dry, its plan). */
export function auditEventFromPromotion(
  result: PromotionResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    ...head('promote', true, result, now),
    source: result.source,
    digest: result.digest,
    tags: result.tags.map((t) => ({ ...t })),
    record: result.record,
    ...(result.overrides && { overrides: result.overrides.map((o) => ({ ...o })) }),
    ...tail(result.conflicts, provenance),
  };
}

/** auditEventFromRollback records a rollback. */
export function auditEventFromRollback(
  result: RollbackResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    ...head('rollback', true, result, now),
    tag: result.tag,
    digest: result.digest,
    previousDigest: result.previousDigest,
    record: result.record,
    ...(result.hold && { hold: result.hold }),
    ...tail(result.conflicts, provenance),
  };
}

/** auditEventFromEvidence records an attest, hold, release, freeze or unfreeze. */
export function auditEventFromEvidence(
  result: EvidenceResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    ...head(result.action, true, result, now),
    ...(result.digest && { digest: result.digest }),
    record: result.record,
    reason: result.reason,
    ...(result.stage !== undefined && { stage: result.stage }),
    ...(result.result !== undefined && { result: result.result }),
    ...(result.action === 'freeze' && { until: result.until ?? null }),
    ...tail([], provenance),
  };
}

/** auditEventFromPrune records a retention run. */
export function auditEventFromPrune(
  result: PruneResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    ...head('prune', true, result, now),
    removedRecords: [...result.removedRecords],
    deleted: [...result.deleted],
    deletedRecords: [...result.deletedRecords],
    ignoredRecords: [...result.ignoredRecords],
    deletionSkipped: result.deletionSkipped,
    ...tail([], provenance),
  };
}

/** auditEventFromFailure records an action that failed (or was refused). */
export function auditEventFromFailure(
  context: FailureContext,
  error: unknown,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    ...head(context.action, false, context, now),
    ...(context.source !== undefined && { source: context.source }),
    ...(context.tag !== undefined && { tag: context.tag }),
    ...(context.digest !== undefined && { digest: context.digest as Digest }),
    ...tail([], provenance),
    ...refusal(error),
    error: auditError(error),
  };
}

/** auditError is the `{code, message}` of anything thrown, as an event carries it. */
export function auditError(e: unknown): AuditError {
  return errorSummary(e, MAX_MESSAGE);
}

/** refusal is `{refused: gate}` for a gate's refusal, else nothing. */
function refusal(error: unknown): Pick<AuditEvent, 'refused'> {
  const gate = refusalGate(error);
  return gate ? { refused: gate } : {};
}
