/**
 * A Docker token service for the test harness (distribution docs/spec/auth/token.md,
 * jwt.md and oauth.md), small enough to read in one sitting, that a real
 * `docker-registry` configured with `auth.token` trusts.
 *
 * - `GET /token?service=S&scope=A&scope=B` with optional `Authorization: Basic`, and
 *   `POST /token` with an OAuth2 form (`grant_type=password` or `refresh_token`).
 * - Tokens are JWTs signed ES256 with node:crypto (no JWT library): header
 *   `{typ, alg, x5c: [leaf, intermediate]}`, claims `iss`, `sub`, `aud` (= the requested
 *   service), `exp`, `nbf`, `iat`, `jti`, `access: [{type, name, actions}]` — the exact
 *   shape distribution's `registry/auth/token` ClaimSet parses. The signing certificate
 *   chains through an intermediate to a root the registry is given as `rootcertbundle`.
 * - The grant is the intersection of what was asked and what the policy allows (a partial
 *   grant is not an error: the registry then answers `insufficient_scope`).
 * - Everything is recorded in `log` (never a secret): which grant type, who, which scopes
 *   asked, which granted, and every issued secret is listed in `secrets()` so tests can
 *   assert none of them leaks into output.
 *
 * distribution checks `exp` and `nbf` with 60 s of leeway (token.go `Leeway`). So that a
 * test can have the registry refuse a token within seconds, `validFor` sets
 * `exp = iat + validFor - 60`; `expiresIn` is what the response tells the client.
 *
 * ```ts
 * const pki = await createPki(t);
 * const ts = await startTokenServer(t, pki, {
 *   users: { alice: 'pw' },
 *   access: { alice: { 'prod/*': ['pull', 'push'] }, '': { 'public/*': ['pull'] } },
 * });
 * const reg = await startRegistry(t, { configure: ts.registryConfig('registry-a') });
 * ```
 *
 * By concern: token-server/types.ts, token-server/scopes.ts (what a policy grants),
 * token-server/jwt.ts (signing), token-server/http.ts.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type Registry,
  type RegistryOptions,
  startRegistry,
  type TeardownHost,
} from './registry.js';
import type { Pki } from './tls.js';
import { delay, json, readBody } from './token-server/http.js';
import { signToken } from './token-server/jwt.js';
import { formatAccess, grant } from './token-server/scopes.js';
import type {
  ResourceActions,
  TokenPolicy,
  TokenRequest,
  TokenServer,
  TokenServerOptions,
} from './token-server/types.js';

export { formatAccess, parseScope } from './token-server/scopes.js';
export * from './token-server/types.js';

/**
 * startTokenServer makes a signing chain (root → intermediate → signing certificate,
 * EC P-256) in `pki` and serves tokens on 127.0.0.1; closed in `t.teardown`.
 */
export async function startTokenServer(
  t: TeardownHost,
  pki: Pki,
  opts: TokenServerOptions = {},
): Promise<TokenServer> {
  const root = await pki.ca('oci-promote token root');
  const intermediate = await pki.intermediate(root, 'oci-promote token intermediate');
  const signer = await pki.issue(intermediate, 'oci-promote token signer');
  const rootBundlePath = join(pki.dir, `token-root-${Date.now()}.pem`);
  await writeFile(rootBundlePath, root.certPem);

  const issuer = opts.issuer ?? 'oci-promote-test-issuer';
  const policy: TokenPolicy = {
    users: opts.users ?? {},
    access: opts.access ?? {},
    expiresIn: opts.expiresIn === undefined ? 300 : opts.expiresIn,
    ...(opts.validFor !== undefined && { validFor: opts.validFor }),
    ...(opts.hook && { hook: opts.hook }),
  };
  const log: TokenRequest[] = [];
  const issued: string[] = [];
  const refreshTokens = new Map<string, string>();
  const started = performance.now();
  let count = 0;

  const x5c = [signer.derBase64, ...signer.chain.map((c) => c.derBase64)];

  const mint = (
    subject: string | undefined,
    service: string,
    access: ResourceActions[],
    validFor: number | undefined,
  ) => {
    const token = signToken({
      issuer,
      subject,
      service,
      access,
      lifetime: policy.expiresIn ?? 300,
      validFor,
      keyPem: signer.keyPem,
      x5c,
    });
    issued.push(token);
    return token;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
      json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }] });
      return;
    }
    const entry: TokenRequest = {
      n: ++count,
      method: req.method,
      grant: 'anonymous',
      scopes: [],
      granted: [],
      status: 0,
      at: Math.round(performance.now() - started),
    };
    log.push(entry);
    const answer = (status: number, body: unknown, headers = {}) => {
      entry.status = status;
      json(res, status, body, headers);
    };
    const unauthorized = (message: string) =>
      answer(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message }] },
        { 'www-authenticate': `Basic realm="${issuer}"` },
      );

    let subject: string | undefined;
    let service: string | undefined;
    let offline = false;
    if (req.method === 'GET') {
      service = url.searchParams.get('service') ?? undefined;
      entry.scopes = url.searchParams
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      offline = url.searchParams.get('offline_token') === 'true';
      const auth = req.headers.authorization;
      if (auth !== undefined) {
        entry.grant = 'basic';
        const m = /^Basic\s+(\S+)$/i.exec(auth);
        const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
        const colon = decoded.indexOf(':');
        const user = colon === -1 ? '' : decoded.slice(0, colon);
        entry.claimedUser = user;
        if (colon === -1 || policy.users[user] !== decoded.slice(colon + 1)) {
          unauthorized('invalid username or password');
          return;
        }
        subject = user;
      }
    } else {
      const form = new URLSearchParams(await readBody(req));
      service = form.get('service') ?? undefined;
      entry.scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const clientId = form.get('client_id');
      if (clientId !== null) entry.clientId = clientId;
      const grantType = form.get('grant_type');
      if (clientId === null || clientId === '') {
        answer(400, { error: 'invalid_request', error_description: 'client_id is required' });
        return;
      }
      if (grantType === 'password') {
        entry.grant = 'password';
        const user = form.get('username') ?? '';
        entry.claimedUser = user;
        if (policy.users[user] === undefined || policy.users[user] !== form.get('password')) {
          answer(401, {
            error: 'invalid_grant',
            error_description: 'invalid username or password',
          });
          return;
        }
        subject = user;
        offline = form.get('access_type') === 'offline';
      } else if (grantType === 'refresh_token') {
        entry.grant = 'refresh_token';
        const user = refreshTokens.get(form.get('refresh_token') ?? '');
        if (user === undefined) {
          answer(401, { error: 'invalid_grant', error_description: 'unknown refresh token' });
          return;
        }
        subject = user;
      } else {
        answer(400, { error: 'unsupported_grant_type' });
        return;
      }
    }
    if (subject !== undefined) entry.subject = subject;
    if (service !== undefined) entry.service = service;
    if (!service) {
      answer(400, { errors: [{ code: 'INVALID_REQUEST', message: 'service is required' }] });
      return;
    }

    let access = grant(policy.access, subject, entry.scopes);
    const decision = await policy.hook?.(entry);
    if (decision?.delayMs) await delay(decision.delayMs);
    if (decision?.status !== undefined) {
      answer(decision.status, {
        errors: [{ code: 'UNAVAILABLE', message: 'token service refused by test' }],
      });
      return;
    }
    if (decision?.access) access = decision.access;
    entry.granted = formatAccess(access);

    const token = mint(subject, service, access, decision?.validFor ?? policy.validFor);
    const body: Record<string, unknown> = { issued_at: new Date().toISOString() };
    if (policy.expiresIn !== null) body.expires_in = policy.expiresIn;
    if (req.method === 'GET') {
      body.token = token;
      body.access_token = token;
    } else {
      body.access_token = token;
      body.scope = entry.scopes.join(' ');
    }
    if (offline && subject !== undefined) body.refresh_token = refreshTokenFor(subject);
    answer(200, body);
  };

  const refreshTokenFor = (user: string): string => {
    const rt = `rt-${randomBytes(16).toString('hex')}`;
    refreshTokens.set(rt, user);
    issued.push(rt);
    return rt;
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { errors: [{ code: 'UNKNOWN', message: String(e) }] });
      else res.destroy();
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, listener)
    : createServer(listener);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  t.teardown(close);

  return {
    url,
    realm: `${url}/token`,
    issuer,
    root,
    rootBundlePath,
    policy,
    log,
    resetLog: () => {
      log.length = 0;
    },
    secrets: () => issued.slice(),
    refreshTokenFor,
    decode(token) {
      const [h, c] = token.split('.');
      return {
        header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')),
        claims: JSON.parse(Buffer.from(c ?? '', 'base64url').toString('utf8')),
      };
    },
    registryConfig(service, configure) {
      return (config) => {
        config.auth = {
          token: { realm: `${url}/token`, service, issuer, rootcertbundle: rootBundlePath },
        };
        configure?.(config);
      };
    },
    close,
  };
}

/** startTokenRegistry starts docker-registry with `auth.token` pointing at `ts`. */
export function startTokenRegistry(
  t: TeardownHost,
  ts: TokenServer,
  service: string,
  opts: RegistryOptions = {},
): Promise<Registry> {
  return startRegistry(t, { ...opts, configure: ts.registryConfig(service, opts.configure) });
}
