/**
 * Real-registry test harness: starts CNCF distribution (`docker-registry serve`, the
 * Debian package) on a free loopback port with filesystem storage in a temporary folder,
 * optionally with htpasswd auth, and records every request it served from its access log.
 *
 * Request counting: distribution wraps its whole handler chain in gorilla's
 * CombinedLoggingHandler, which writes one combined-format line per HTTP request to the
 * registry's stdout (a file the harness reads when it needs to, registry/log-file.ts)
 * *after* the handler returned. A test therefore cannot trust the log the instant its own
 * HTTP call resolved. `settledRequests()` (and `resetRequests()`) do two things:
 *  1. send a marker request (`GET /v2/` with a unique User-Agent, on a fresh connection) and
 *     wait until that marker's line has been read from the log. The log is written in
 *     order, and Go's net/http holds a small response (< 4 KiB) in its buffer until the
 *     handler, logging wrapper included, has returned — so every small response the
 *     client had seen is already logged when the marker's line shows up.
 *  2. then wait for a quiet window (`settleQuietMs`, default 30 ms) with no new request
 *     line. This covers large bodies (blob GETs whose size is a multiple of Go's write
 *     buffer): the client can receive the last byte before the serving goroutine writes
 *     its log line, and under CPU load the marker was measured to overtake it (14 of 2000
 *     GETs of 64 KiB–1 MiB blobs with 4 test processes on 2 cores; 0 of 2000 with the
 *     window). It is a timing argument, not a guarantee.
 * Marker and readiness requests carry a `oci-promote-test-harness/` User-Agent and are never
 * returned by `requests()`.
 *
 * Caveats: requests still in flight when `settledRequests()` is called are not waited for;
 * the access log has no request body size, so "no blob bytes uploaded" is asserted from the
 * request kinds (no PATCH/PUT on an upload session, only `POST ...?mount=` answered 201).
 *
 * By concern: registry/types.ts, registry/start.ts (the process), registry/access-log.ts
 * (its log), registry/probe.ts (the harness's own requests), registry/system.ts (ports,
 * htpasswd, clean-up at exit).
 */
export * from './registry/access-log.js';
export { startRegistry } from './registry/start.js';
export { findFreePort, htpasswdEntries } from './registry/system.js';
export * from './registry/types.js';
