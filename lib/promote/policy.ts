/**
 * Tag policy, pure: which tags a promotion writes, which of them may move, and which
 * are immutable. See docs/image-tagging-strategy.md.
 */
import semver from 'semver';
import type { Digest } from '../digest.js';
import { UsageError } from '../errors.js';
import type { TagAction } from './types.js';

/** The floating tag that follows the highest release. */
export const LATEST = 'latest';

/** SemverTag is a tag read as a version: `1.2.3`, `v1.2.3`, `1.2.3-rc.1`. */
export interface SemverTag {
  tag: string;
  /** `v` when the tag is written `v1.2.3`, else ''. Derived tags keep it. */
  prefix: '' | 'v';
  version: semver.SemVer;
}

/** parseVersionTag reads a full-version tag (X.Y.Z with optional `v` and prerelease), or undefined. */
export function parseVersionTag(tag: string): SemverTag | undefined {
  const prefix = tag.startsWith('v') ? 'v' : '';
  const text = tag.slice(prefix.length);
  // semver.valid accepts only X.Y.Z[-pre][+build]; tags cannot hold "+" anyway.
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(text) || semver.valid(text) === null)
    return undefined;
  return { tag, prefix, version: new semver.SemVer(text) };
}

/**
 * isImmutableTag: full versions and `sha-*` tags name one build forever; they never move
 * to another digest without --allow-overwrite.
 */
export function isImmutableTag(tag: string): boolean {
  return tag.startsWith('sha-') || parseVersionTag(tag) !== undefined;
}

/** FloatingTag is a tag derived from a version that follows the highest release of its line. */
export interface FloatingTag {
  tag: string;
  /** Which versions it follows: same major.minor, same major, or all. */
  line: 'minor' | 'major' | 'all';
}

/**
 * deriveSemverTags returns the full version tag and the floating tags `X.Y`, `X` and
 * `latest`. A prerelease gets no floating tags: it must never move them.
 */
export function deriveSemverTags(versionTag: string): { full: SemverTag; floating: FloatingTag[] } {
  const full = parseVersionTag(versionTag);
  if (!full) {
    throw new UsageError(
      `--semver needs a version tag like 1.2.3 or v1.2.3 (optionally -prerelease), got ${JSON.stringify(versionTag)}`,
    );
  }
  if (full.version.prerelease.length > 0) return { full, floating: [] };
  const { major, minor } = full.version;
  return {
    full,
    floating: [
      { tag: `${full.prefix}${major}.${minor}`, line: 'minor' },
      { tag: `${full.prefix}${major}`, line: 'major' },
      { tag: LATEST, line: 'all' },
    ],
  };
}

/**
 * isHighestRelease tells whether `version` is at least every release (not prerelease)
 * among `existing` tags in its line: `1.4.9` after `1.5.0` is the highest of `1.4`, but
 * not of `1` or of all.
 */
export function isHighestRelease(
  version: semver.SemVer,
  line: FloatingTag['line'],
  existing: readonly string[],
): boolean {
  return higherRelease(version, line, existing) === undefined;
}

/** higherRelease finds the highest release in `version`'s line above it, if any. */
export function higherRelease(
  version: semver.SemVer,
  line: FloatingTag['line'],
  existing: readonly string[],
): SemverTag | undefined {
  let top: SemverTag | undefined;
  for (const tag of existing) {
    const other = parseVersionTag(tag);
    if (!other || other.version.prerelease.length > 0) continue;
    if (line !== 'all' && other.version.major !== version.major) continue;
    if (line === 'minor' && other.version.minor !== version.minor) continue;
    if (semver.gt(other.version, top?.version ?? version)) top = other;
  }
  return top;
}

/**
 * FloatingOwner says where a floating tag a promotion wrote belongs once the version tags
 * present are known again: on the digest of a version tag (its own while it is the highest
 * release of the line, else the higher release that derives the same tag), or back where
 * it was (a higher release that does not derive it, e.g. `v2.0.0` for tag `1`).
 */
export type FloatingOwner = { versionTag: string } | { restore: true; higher: string };

/** floatingOwner decides a floating tag's owner after concurrent writers (see FloatingOwner). */
export function floatingOwner(
  versionTag: string,
  floating: FloatingTag,
  present: readonly string[],
): FloatingOwner {
  const own = parseVersionTag(versionTag);
  if (!own) throw new UsageError(`${JSON.stringify(versionTag)} is not a version tag`);
  const higher = higherRelease(own.version, floating.line, present);
  if (!higher) return { versionTag };
  const derives = deriveSemverTags(higher.tag).floating.some((f) => f.tag === floating.tag);
  return derives ? { versionTag: higher.tag } : { restore: true, higher: higher.tag };
}

/** TagPlanInput is what planTags decides from. */
export interface TagPlanInput {
  /** The digest being promoted. */
  digest: Digest;
  /** Tags asked for explicitly (or the source tag). */
  tags: readonly string[];
  /** With --semver: the version tag to derive from. */
  semverFrom?: string;
  /** Where each candidate tag points now in the target (absent: the tag does not exist). */
  current: ReadonlyMap<string, Digest>;
  /** Every tag of the target, for finding the highest release. */
  existing: readonly string[];
  allowOverwrite: boolean;
}

/** TagDecision is planTags' verdict on one tag. */
export interface TagDecision {
  tag: string;
  action: TagAction | 'refused';
  previousDigest: Digest | null;
  /** Why a tag is left or refused. */
  reason?: string;
}

/**
 * planTags decides, for every tag a promotion touches, whether it is created, moved,
 * left unchanged or refused. Order: the tags asked for, then the floating tags from
 * the most specific (`X.Y`) to `latest`, so a failure part-way leaves general tags last.
 */
export function planTags(input: TagPlanInput): TagDecision[] {
  const out: TagDecision[] = [];
  const seen = new Set<string>();
  const decide = (
    tag: string,
    floating?: { version: semver.SemVer; line: FloatingTag['line'] },
  ) => {
    if (seen.has(tag)) return;
    seen.add(tag);
    const previousDigest = input.current.get(tag) ?? null;
    if (previousDigest === input.digest) {
      out.push({ tag, action: 'unchanged', previousDigest });
      return;
    }
    if (floating && !isHighestRelease(floating.version, floating.line, input.existing)) {
      out.push({
        tag,
        action: 'unchanged',
        previousDigest,
        reason: `a higher release than ${floating.version.version} is in the target`,
      });
      return;
    }
    if (previousDigest !== null && isImmutableTag(tag) && !input.allowOverwrite) {
      out.push({
        tag,
        action: 'refused',
        previousDigest,
        reason: `${tag} is immutable and points to ${previousDigest}; pass --allow-overwrite to move it`,
      });
      return;
    }
    out.push({ tag, action: previousDigest === null ? 'created' : 'moved', previousDigest });
  };

  const derived = input.semverFrom === undefined ? undefined : deriveSemverTags(input.semverFrom);
  if (derived) decide(derived.full.tag);
  for (const tag of input.tags) decide(tag);
  for (const f of derived?.floating ?? [])
    decide(f.tag, { version: derived!.full.version, line: f.line });
  return out;
}
