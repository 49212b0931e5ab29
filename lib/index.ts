/**
 * oci-promote: copy and promote container images between OCI registries over the
 * Distribution API. This module is the public API; everything else is internal.
 *
 * @example
 * ```ts
 * import { copy, createClient, parseReference } from 'oci-promote';
 * const client = createClient({ credentials: myProvider });
 * const result = await copy(client, parseReference('ghcr.io/o/app:1.2.3'), parseReference('ghcr.io/o/prod:1.2.3'));
 * await client.close();
 * ```
 */

export {
  MemoryHost,
  MemoryStore,
  type MemoryStoreOptions,
  memoryStore,
} from './content/memory.js';
export { cosignTags, referrersTag } from './content/referrers.js';
export {
  type BlobSource,
  type Blobs,
  type ContentStore,
  canMount,
  canReadRanges,
  canResumeUploads,
  type FetchedManifest,
  type Manifests,
  type Mounts,
  type PushOptions,
  type PutResult,
  type RangeReads,
  type Referrers,
  type ResumableUploads,
} from './content/store.js';
export type { CopyEvent, CopyEventListener } from './copy/events.js';
export {
  type CopiedReferrer,
  type CopyOptions,
  type CopyResult,
  type CopyStats,
  copy,
  copyStores,
  type StoreRef,
  type TagUpdate,
} from './copy/index.js';
export { type VerifyOptions, type VerifyResult, verify } from './copy/verify.js';
export {
  type Digest,
  type DigestAlgorithm,
  digestOf,
  isDigest,
  parseDigest,
  shortDigest,
  VerifyingStream,
} from './digest.js';
export * from './errors.js';
export { OciLayout, type OpenLayoutOptions, openLayout } from './layout/layout.js';
export {
  formatLocation,
  isLayoutLocation,
  LAYOUT_PREFIX,
  type LayoutLocation,
  type Location,
  parseLocation,
  type RegistryLocation,
} from './layout/location.js';
export { type Logger, silentLogger } from './log.js';
export {
  childrenOf,
  type Descriptor,
  type ImageManifest,
  type IndexManifest,
  MAX_MANIFEST_BYTES,
  type Manifest,
  parseManifest,
} from './manifest.js';
export * as mediaTypes from './media-types.js';
export { formatPlatform, type Platform, parsePlatform, platformMatches } from './platform.js';
export {
  type AuditAction,
  type AuditError,
  type AuditEvent,
  AuditLogError,
  appendAuditLog,
  auditError,
  auditEventFromEvidence,
  auditEventFromFailure,
  auditEventFromPromotion,
  auditEventFromPrune,
  auditEventFromRollback,
  checkAuditLog,
  type FailureContext,
  type Gate,
  type NotificationBody,
  type NotifyOptions,
  type NotifyResult,
  notificationText,
  notify,
  notifyUrlOrigin,
  refusalGate,
} from './promote/audit.js';
export {
  type BatchDefaults,
  type BatchError,
  type BatchFailure,
  type BatchOptions,
  type BatchOutcome,
  type BatchResult,
  type BatchSuccess,
  DEFAULT_PARALLEL,
  type PromoteFn,
  parseShard,
  promoteBatch,
  type Shard,
  selectShard,
} from './promote/batch.js';
export { freezeIn, holdsIn, verificationsOf } from './promote/evidence.js';
export {
  attest,
  freeze,
  hold,
  release,
  unfreeze,
} from './promote/evidence-actions.js';
export {
  MAX_CHECKS,
  MAX_DETAILS,
  MAX_TEXT,
  parseCheck,
  parseDuration,
  parseResult,
  parseStage,
  parseText,
  parseUntil,
} from './promote/evidence-fields.js';
export { type HistoryResult, history } from './promote/history.js';
export { LEDGER_TAG } from './promote/ledger.js';
export { deriveSemverTags, isImmutableTag } from './promote/policy.js';
export { type PromoteOptions, promote } from './promote/promote.js';
export {
  formatPromotionEntry,
  MAX_PROMOTION_FILE_BYTES,
  MAX_PROMOTION_FILE_DEPTH,
  type ParsePromotionFileOptions,
  PROMOTION_KEYS,
  type PromotionEntry,
  PromotionFileError,
  type PromotionFileProblem,
  type PromotionSpec,
  parsePromotionFile,
  readPromotionSource,
} from './promote/promotion-file.js';
export { type ProvenanceEnv, provenanceFromEnv } from './promote/provenance.js';
export { prune } from './promote/prune.js';
export { RECORD_ARTIFACT_TYPE } from './promote/record.js';
export { rollback } from './promote/rollback.js';
export {
  IN_TOTO_MEDIA_TYPE,
  PREDICATE_TYPES,
  STATEMENT_TYPE,
} from './promote/statement.js';
export { isReleaseTag, MAX_STATUS_TAGS, status } from './promote/status.js';
export type * from './promote/types.js';
export {
  DOCKER_HUB,
  formatReference,
  isValidTag,
  manifestReference,
  parseReference,
  parseRepository,
  type Reference,
  repositoryOf,
  withDigest,
  withTag,
} from './reference.js';
export type { MountResult, UploadSession } from './registry/blobs.js';
export { createClient, RegistryClient } from './registry/client.js';
export { type InspectReferrer, type InspectResult, inspect } from './registry/inspect.js';
export { type LoginOptions, login, logout } from './registry/login.js';
export { Repository } from './registry/repository.js';
export {
  chainCredentials,
  githubTokenCredentials,
  staticCredentials,
} from './transport/credentials.js';
export { dockerConfigCredentials } from './transport/docker-config.js';
export { isLoopbackRegistry } from './transport/endpoint.js';
export { createTransport } from './transport/http.js';
export type {
  CredentialProvider,
  CredentialSource,
  Credentials,
  ExchangeInfo,
  PlainHttp,
  RegistryRequest,
  RegistryResponse,
  Transport,
  TransportOptions,
} from './transport/types.js';
