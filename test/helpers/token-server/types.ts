/** The token service's types: its policy, what it records, and the running server. */
import type { CertKey } from '../tls.js';

/** distribution's leeway on `exp`/`nbf` (registry/auth/token/token.go). */
export const REGISTRY_LEEWAY_S = 60;

/** One entry of a token's `access` claim. */
export interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

/** What the token service was asked, as recorded in its log. */
export interface TokenRequest {
  /** 1-based count of token requests. */
  n: number;
  method: 'GET' | 'POST';
  /** How the client identified itself. */
  grant: 'anonymous' | 'basic' | 'password' | 'refresh_token';
  /** The user, once authenticated (undefined for anonymous or refused requests). */
  subject?: string;
  /** The user name the client claimed (Basic user or form `username`), even if refused. */
  claimedUser?: string;
  service?: string;
  /** Scopes as asked: one per `scope` parameter (GET) or space-separated (POST). */
  scopes: string[];
  /** OAuth2 `client_id` (POST). */
  clientId?: string;
  /** Scopes granted, `type:name:actions` (actions sorted), empty when nothing matched. */
  granted: string[];
  status: number;
  /** Milliseconds since the server started, when the request arrived. */
  at: number;
}

/** What a policy hook may decide for one request. */
export interface TokenDecision {
  /** Wait this long before answering (to make a copy take longer, deterministically). */
  delayMs?: number;
  /** Grant exactly this instead of what the policy allows. */
  access?: ResourceActions[];
  /** Refuse with this status (e.g. 503 to test retries of the token fetch). */
  status?: number;
  /** `validFor` for this token only (see TokenPolicy). */
  validFor?: number;
}

/** The policy, mutable between subtests (`ts.policy.expiresIn = 2`). */
export interface TokenPolicy {
  /** Users and passwords (Basic on GET, `grant_type=password` on POST). */
  users: Record<string, string>;
  /**
   * What each subject may do: subject (`''` = everyone, including anonymous) →
   * repository pattern → actions. A pattern is a name, `prefix/*`, or `*`.
   */
  access: Record<string, Record<string, string[]>>;
  /** `expires_in` of the response, seconds (default 300); null leaves it out. */
  expiresIn: number | null;
  /**
   * Seconds the registry accepts a token (sets `exp` = iat + validFor − 60, against the
   * registry's 60 s leeway). Default: `exp` = iat + expiresIn (or + 300).
   */
  validFor?: number;
  /** Called for every request that would be granted; may delay, narrow or refuse. */
  hook?: (req: TokenRequest) => TokenDecision | undefined | Promise<TokenDecision | undefined>;
}

export interface TokenServerOptions extends Partial<TokenPolicy> {
  /** JWT `iss`; the registry must be configured with the same (default `oci-promote-test-issuer`). */
  issuer?: string;
  /** Serve https with this certificate (its CA must be given to the client). */
  tls?: CertKey;
}

export interface TokenServer {
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** The realm registries should name: `${url}/token`. */
  realm: string;
  issuer: string;
  /** Root of the signing chain (what the registry trusts). */
  root: CertKey;
  /** PEM file holding `root`, for `rootcertbundle`. */
  rootBundlePath: string;
  policy: TokenPolicy;
  /** Every token request so far. */
  log: TokenRequest[];
  /** Forgets the log. */
  resetLog(): void;
  /** Every token and refresh token issued so far (to assert none leaks). */
  secrets(): string[];
  /** A refresh token for `user`, as `docker login` stores in `identitytoken`. */
  refreshTokenFor(user: string): string;
  /** Decodes a JWT this server issued (header and claims), for assertions. */
  decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> };
  /** A `configure` for startRegistry: `auth.token` with this realm and `service`. */
  registryConfig(
    service: string,
    configure?: (config: Record<string, unknown>) => void,
  ): (config: Record<string, unknown>) => void;
  close(): Promise<void>;
}
