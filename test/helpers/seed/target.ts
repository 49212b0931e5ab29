/** What every seeding helper shares: media types, the target registry and its credentials. */
import { createHash } from 'node:crypto';

export const SEED_USER_AGENT = 'oci-promote-test-seed/1';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

export interface Credentials {
  username: string;
  password: string;
}
/** A registry: `'127.0.0.1:5000'` or anything with `host` (e.g. a harness `Registry`). */
export type Target = string | { host: string; credentials?: Credentials | undefined };

export function hostOf(target: Target): string {
  return typeof target === 'string' ? target : target.host;
}
export function credsOf(target: Target): Credentials | undefined {
  return typeof target === 'string' ? undefined : target.credentials;
}

export const sha256 = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
