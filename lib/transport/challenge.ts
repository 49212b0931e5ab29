/**
 * Parser for `WWW-Authenticate` (RFC 9110 §11.6.1, RFC 7235 grammar): one header may
 * carry several challenges, each `scheme` followed by either a token68 or a list of
 * `name=value` parameters whose values may be quoted strings with `\` escapes and
 * commas inside the quotes. Registries use `Basic realm="…"` and
 * `Bearer realm="…",service="…",scope="…"` (distribution docs/spec/auth/token.md).
 */

/** Challenge is one parsed challenge; scheme and parameter names are lowercased. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), which registries do not use but may send. */
  token68?: string;
}

const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * parseChallenges parses one or more `WWW-Authenticate` header values. Malformed input
 * never throws: what can be understood is returned, the rest is skipped.
 */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = typeof header === 'string' ? [header] : header;
  return values.flatMap(parseOne);
}

function parseOne(input: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = input.length;
  let current: Challenge | undefined;

  const skipWs = () => {
    while (i < n && (input[i] === ' ' || input[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && tchar.test(input[i]!)) i++;
    return input.slice(start, i);
  };
  const readQuoted = (): string => {
    // i is on the opening quote; `\x` yields x (quoted-pair).
    i++;
    let value = '';
    while (i < n && input[i] !== '"') {
      if (input[i] === '\\' && i + 1 < n) i++;
      value += input[i];
      i++;
    }
    i++; // closing quote (or end of input for an unterminated string)
    return value;
  };
  const skipToComma = () => {
    while (i < n && input[i] !== ',') {
      if (input[i] === '"') readQuoted();
      else i++;
    }
  };

  while (i < n) {
    skipWs();
    if (input[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const name = readToken();
    if (name === '') {
      // Not a token: skip this element.
      skipToComma();
      continue;
    }
    skipWs();
    if (input[i] === '=' && current) {
      // A parameter of the current challenge, unless this is token68 (`abc==`).
      i++;
      skipWs();
      const value = input[i] === '"' ? readQuoted() : readToken();
      current.params[name.toLowerCase()] = value;
      skipWs();
      if (i < n && input[i] !== ',') skipToComma();
      continue;
    }
    if (input[i] === '=' && !current) {
      // A parameter before any scheme: malformed, skip it.
      i = start;
      skipToComma();
      continue;
    }
    // A new challenge: `scheme` then optional token68 or parameters.
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    skipWs();
    const afterScheme = i;
    const maybe = readToken68();
    if (maybe !== undefined) {
      current.token68 = maybe;
      continue;
    }
    i = afterScheme;
  }
  return out;

  function readToken68(): string | undefined {
    // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    // It is a token68 only when not followed by `=value` (which would be a parameter).
    const m = /^[A-Za-z0-9\-._~+/]+=*/.exec(input.slice(i));
    if (!m) return undefined;
    const end = i + m[0].length;
    let j = end;
    while (j < n && (input[j] === ' ' || input[j] === '\t')) j++;
    if (j < n && input[j] !== ',') return undefined;
    i = end;
    return m[0];
  }
}

/**
 * pickChallenge chooses the challenge to answer: Bearer (the Docker token flow) over
 * Basic; other schemes are not supported and yield undefined.
 */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ??
    challenges.find((c) => c.scheme === 'basic')
  );
}

/** challengeScopes returns the scopes named by a Bearer challenge's `scope` parameter. */
export function challengeScopes(challenge: Challenge): string[] {
  // token.md: several scopes are space-separated within one `scope` parameter.
  return (challenge.params.scope ?? '').split(' ').filter((s) => s !== '');
}

/** isInsufficientScope tells whether the challenge says the token lacks a scope (RFC 6750 §3.1). */
export function isInsufficientScope(challenge: Challenge): boolean {
  return challenge.params.error === 'insufficient_scope';
}
