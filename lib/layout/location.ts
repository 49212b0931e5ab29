/**
 * Locations: where a copy reads or writes — a registry reference
 * (`host[:port]/path[:tag][@digest]`) or an OCI image layout directory
 * (`oci-layout:PATH[:tag][@digest]`).
 *
 * How PATH, tag and digest are told apart (docs/oci-layout.md):
 * - a digest is the text after the last `@` when it starts with an algorithm and `:`
 *   (`@sha256:…`: a letter, letters and digits, then `:`); it must then be a valid digest.
 *   Any other `@` is part of PATH;
 * - a tag is the text after the last `:` when that text has no `/` — the same rule as
 *   skopeo's `oci:` transport, so `oci-layout:/mnt/usb/app:1.2.3` is PATH `/mnt/usb/app`,
 *   tag `1.2.3`. It must be a valid tag;
 * - a trailing `:` ends PATH with no tag, for directories whose last component has a
 *   colon: `oci-layout:/mnt/a:b:` is PATH `/mnt/a:b`; `oci-layout:/mnt/a:b:v1` is
 *   PATH `/mnt/a:b`, tag `v1`. A `:` followed later by `/` (`/mnt/a:b/c`) is part of PATH.
 */
import { type Digest, parseDigest } from '../digest.js';
import { InvalidReferenceError } from '../errors.js';
import { formatReference, isValidTag, parseReference, type Reference } from '../reference.js';

/** The prefix that makes an argument a layout location. */
export const LAYOUT_PREFIX = 'oci-layout:';

/** LayoutLocation names an OCI image layout directory and optionally a tag and/or digest in it. */
export interface LayoutLocation {
  readonly kind: 'layout';
  /** The directory, as given (relative paths resolve against the working directory). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** RegistryLocation is a repository of a registry, with optional tag and/or digest. */
export interface RegistryLocation {
  readonly kind: 'registry';
  readonly reference: Reference;
}

/** Location is either. */
export type Location = LayoutLocation | RegistryLocation;

/** isLayoutLocation tells whether an argument names a layout (starts with `oci-layout:`). */
export function isLayoutLocation(input: string): boolean {
  return input.startsWith(LAYOUT_PREFIX);
}

const digestStart = /^[a-z][a-z0-9]*(?:[+._-][a-z0-9]+)*:/;

/**
 * parseLocation parses a location; anything not starting with `oci-layout:` is a registry
 * reference (parseReference). Malformed input throws InvalidReferenceError /
 * InvalidDigestError (CLI exit 2).
 */
export function parseLocation(input: string): Location {
  if (!isLayoutLocation(input)) return { kind: 'registry', reference: parseReference(input) };
  return parseLayoutLocation(input);
}

/** parseLayoutLocation parses `oci-layout:PATH[:tag][@digest]`. */
export function parseLayoutLocation(input: string): LayoutLocation {
  const fail = (why: string): never => {
    throw new InvalidReferenceError(`invalid location ${JSON.stringify(clip(input))}: ${why}`);
  };
  if (!isLayoutLocation(input)) fail(`an OCI layout location starts with "${LAYOUT_PREFIX}"`);
  if (input.includes('\0')) fail('a path cannot contain a NUL character');
  let rest = input.slice(LAYOUT_PREFIX.length);

  let digest: Digest | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && digestStart.test(rest.slice(at + 1))) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (e) {
      fail((e as Error).message);
    }
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    const candidate = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (candidate !== '') {
      if (!isValidTag(candidate)) {
        fail(
          `tag ${JSON.stringify(clip(candidate))} must be 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-" (end the path with ":" if the colon belongs to it)`,
        );
      }
      tag = candidate;
    }
  }
  if (rest === '') fail('the layout directory is missing: write oci-layout:PATH[:tag]');
  return {
    kind: 'layout',
    path: rest,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
  };
}

/**
 * formatLocation renders a location so that parseLocation reads it back the same: a
 * layout path whose last component has a `:` gets the closing `:` when there is no tag.
 */
export function formatLocation(loc: Location): string {
  if (loc.kind === 'registry') return formatReference(loc.reference);
  const last = loc.path.slice(loc.path.lastIndexOf('/') + 1);
  let s = `${LAYOUT_PREFIX}${loc.path}`;
  if (loc.tag !== undefined) s += `:${loc.tag}`;
  else if (last.includes(':')) s += ':';
  if (loc.digest !== undefined) s += `@${loc.digest}`;
  return s;
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
