/**
 * Image references: `host[:port]/path[:tag][@digest]`, validated against the grammar of
 * distribution/reference before anything is sent, so no request or path is ever built
 * from a name with `..`, `%`, uppercase letters or other odd characters.
 *
 * References: https://github.com/distribution/reference/blob/v0.6.0/reference.go
 * and distribution-spec v1.1.1 "Pulling manifests" (name and tag regular expressions).
 */
import { type Digest, parseDigest } from './digest.js';
import { InvalidReferenceError, UsageError } from './errors.js';

/** Reference names a repository and optionally a tag and/or digest in it. */
export interface Reference {
  /** Registry host with optional port, normalised (`docker.io` for Docker Hub). */
  readonly registry: string;
  /** Repository path, e.g. `library/alpine`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** The registry name Docker Hub references are normalised to. */
export const DOCKER_HUB = 'docker.io';

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(
  `^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`,
);
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const pathPattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagPattern = /^[\w][\w.-]{0,127}$/;
const maxNameLength = 255;

/** isValidTag tells whether a string is a valid tag (`[\w][\w.-]{0,127}`). */
export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

/** parseReference parses and validates a full reference, normalising Docker Hub names. */
export function parseReference(input: string): Reference {
  const fail = (why: string): never => {
    throw new InvalidReferenceError(`invalid reference ${JSON.stringify(clip(input))}: ${why}`);
  };
  if (input.length === 0) fail('empty');
  const transport = transportHint(input);
  if (transport) fail(transport);
  if (input.length > 2 * maxNameLength + 256) fail('too long');

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (e) {
      fail((e as Error).message);
    }
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) {
      fail(
        `tag ${JSON.stringify(clip(tag))} must be 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"`,
      );
    }
  }

  const { registry, repository } = splitName(rest, fail);
  const ref: Reference = { registry, repository };
  return {
    ...ref,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
  };
}

/** parseRepository parses `host/path` and refuses a tag or digest. */
export function parseRepository(input: string): Reference {
  const ref = parseReference(input);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InvalidReferenceError(
      `invalid repository ${JSON.stringify(clip(input))}: give a repository without tag or digest`,
    );
  }
  return ref;
}

/**
 * manifestReference is what a reference names in its repository: its digest, else its
 * tag. A bare name (neither) names no image and is refused by every command, read or
 * write — none guesses `latest` (docs/cli.md, on references).
 */
export function manifestReference(ref: Reference): string {
  const named = ref.digest ?? ref.tag;
  if (named === undefined) throw bareNameError(formatReference(ref));
  return named;
}

/** bareNameError is the refusal of a name without tag or digest (exit 2), saying how to fix it. */
export function bareNameError(name: string): UsageError {
  return new UsageError(
    `${name} names no tag or digest: add one, e.g. ${name}:latest or ${name}@sha256:<hex>`,
  );
}

/** formatReference renders a reference; `tag@digest` when both are present. */
export function formatReference(ref: Reference): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** repositoryOf drops tag and digest. */
export function repositoryOf(ref: Reference): Reference {
  return { registry: ref.registry, repository: ref.repository };
}

/** withTag returns the same repository with only the given tag. */
export function withTag(ref: Reference, tag: string): Reference {
  return { registry: ref.registry, repository: ref.repository, tag };
}

/** withDigest returns the same repository with only the given digest. */
export function withDigest(ref: Reference, digest: Digest): Reference {
  return { registry: ref.registry, repository: ref.repository, digest };
}

/** sameRepository tells whether two references name the same repository. */
export function sameRepository(a: Reference, b: Reference): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}

function splitName(name: string, fail: (why: string) => never): Reference {
  // Docker's rule (distribution/reference normalize.go splitDockerDomain): the first
  // component is a registry only if it has a "." or ":" or is "localhost".
  let registry = DOCKER_HUB;
  let repository = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      repository = name.slice(slash + 1);
      if (!domainPattern.test(registry))
        fail(`registry ${JSON.stringify(clip(registry))} is not a valid host[:port]`);
      const port = /:(\d+)$/.exec(registry)?.[1];
      if (port !== undefined && Number(port) > 65535) fail(`port ${port} is out of range`);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  if (repository.length === 0) fail('missing repository path');
  if (!pathPattern.test(repository)) {
    fail(
      'repository path must be lowercase components of [a-z0-9] separated by "/", ".", "_", "__" or "-"',
    );
  }
  if (registry.length + 1 + repository.length > maxNameLength) {
    fail(`name is longer than ${maxNameLength} characters`);
  }
  return { registry, repository };
}

/**
 * Transport prefixes of skopeo and the containers/image tools, written out of habit: a
 * reference here is always a registry's (`host/path:tag`), and a layout directory is
 * `oci-layout:PATH` (docs/oci-layout.md). `dir:5000/app` is still a host with a port.
 */
const TRANSPORT =
  /^(docker:\/\/|https?:\/\/|oci:|oci-archive:|docker-archive:|docker-daemon:|containers-storage:|dir:)(?!\d+\/)/;

/** transportHint says what to write instead of a transport-prefixed reference, if it is one. */
function transportHint(input: string): string | undefined {
  const prefix = TRANSPORT.exec(input)?.[1];
  if (prefix === undefined) return undefined;
  const rest = clip(input.slice(prefix.length));
  if (prefix.endsWith('//')) {
    return `a ${prefix} prefix is not part of a reference — drop the "${prefix}" prefix: ${rest}`;
  }
  if (prefix === 'oci:') {
    return `"oci:" is skopeo's name — OCI layouts are written as oci-layout:PATH[:tag]: oci-layout:${rest}`;
  }
  return `"${prefix}" is a skopeo transport oci-promote does not read — copy from a registry or an OCI layout (oci-layout:PATH)`;
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
