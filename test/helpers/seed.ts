/**
 * Seeding registries for tests without using lib/: skopeo pushes OCI layouts (what a real
 * user's tooling would have written), and a few raw-HTTP helpers (node:http, no shared
 * dispatcher) push what skopeo cannot: artifacts with `subject`, the referrers tag-schema
 * fallback index, cosign-style `sha256-<hex>.sig` manifests — all read from the committed
 * layouts in fixtures/oci-layouts, byte for byte.
 *
 * Every raw request sends `User-Agent: oci-promote-test-seed/1` so a test can tell seeding
 * traffic apart in a registry's request log (or just `await registry.resetRequests()` after
 * seeding).
 *
 * By concern: seed/target.ts (media types, target, credentials), seed/layout.ts (reading
 * the fixture layouts), seed/skopeo.ts, seed/http.ts (raw HTTP), seed/fixtures.ts.
 */
export * from './seed/fixtures.js';
export * from './seed/http.js';
export * from './seed/layout.js';
export * from './seed/skopeo.js';
export * from './seed/stage.js';
export {
  type Credentials,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  MANIFEST_ACCEPT,
  OCI_INDEX,
  OCI_MANIFEST,
  SEED_USER_AGENT,
  sha256,
  type Target,
} from './seed/target.js';
