import t from 'tap';
import {
  AuthError,
  DeadlineError,
  DigestMismatchError,
  NetworkError,
  RateLimitError,
  registryError,
} from '../errors.js';
import {
  inOwnedAttempt,
  isRetryable,
  markRetryAfterReauth,
  ownerBudget,
  parseRetryAfter,
  parseRetryHint,
  RETRY_HINT_FLOOR_MS,
  RetryBudget,
  retryDelay,
  withRetry,
} from './retry.js';

const regErr = (status: number, retryAfterMs?: number) =>
  registryError({ status, method: 'GET', url: 'https://r.io/v2/', retryAfterMs });
const codeErr = (code: string) => Object.assign(new Error(code), { code });

t.test('isRetryable', async (t) => {
  for (const s of [408, 429, 500, 502, 503, 504]) t.ok(isRetryable(regErr(s)), `${s}`);
  for (const s of [400, 401, 403, 404, 405, 409, 413, 416, 501])
    t.notOk(isRetryable(regErr(s)), `${s}`);
  for (const c of [
    'ECONNRESET',
    'EPIPE',
    'UND_ERR_SOCKET',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'ETIMEDOUT',
  ]) {
    t.ok(isRetryable(codeErr(c)), c);
    t.ok(
      isRetryable(new NetworkError('x', 'GET', 'u', { cause: codeErr(c) })),
      `NetworkError(${c})`,
    );
  }
  for (const c of ['ECONNREFUSED', 'ENOTFOUND', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
    t.notOk(isRetryable(new NetworkError('x', 'GET', 'u', { cause: codeErr(c) })), c);
  }
  t.ok(isRetryable(new DeadlineError('late', 'GET', 'u')), 'a response past its deadline');
  t.ok(isRetryable(new AggregateError([codeErr('ECONNRESET')])), 'AggregateError member');
  t.notOk(isRetryable(Object.assign(new Error('aborted'), { name: 'AbortError' })));
  t.notOk(isRetryable(new DigestMismatchError('sha256:a', 'sha256:b', 'blob')));
  t.notOk(isRetryable(new AuthError('no')));
  t.notOk(isRetryable('ECONNRESET'));
  t.notOk(isRetryable(new Error('plain')));
  const reauth = regErr(401);
  markRetryAfterReauth(reauth);
  t.ok(isRetryable(reauth), 'a 401 to a streamed request the transport can now authenticate');
  t.notOk(
    Object.keys(reauth).some((k) => /reauth/i.test(k)),
    'the flag is not enumerable',
  );
});

t.test('parseRetryAfter', async (t) => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  t.equal(parseRetryAfter(undefined), undefined);
  t.equal(parseRetryAfter('2', now), 2000);
  t.equal(parseRetryAfter(' 0 ', now), 0);
  t.equal(parseRetryAfter('1.5', now), 1500);
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT', now), 3000);
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0, 'past date');
  t.equal(parseRetryAfter('soon', now), undefined);
  t.equal(parseRetryAfter('1746136938', now), 1746136938000, 'raw, capped later');
});

t.test('parseRetryHint (GHCR body)', async (t) => {
  t.equal(
    parseRetryHint('TOOMANYREQUESTS: retry-after: 10.3ms, allowed: 2000/minute'),
    RETRY_HINT_FLOOR_MS,
  );
  t.equal(
    parseRetryHint(
      '{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 2.5s, allowed: 44000/3600s"}]}',
    ),
    2500,
  );
  t.equal(parseRetryHint('retry-after: 1m30s'), 90_000);
  t.equal(parseRetryHint('retry-after: 716.5µs'), RETRY_HINT_FLOOR_MS);
  t.equal(parseRetryHint('Too Many Requests (HAP429).'), undefined);
});

t.test('retryDelay: backoff, Retry-After, cap', async (t) => {
  const o = { minDelay: 100, maxDelay: 1000, maxRetryAfter: 5000, random: () => 0.999999 };
  t.equal(retryDelay(regErr(503), 0, o), 100);
  t.equal(retryDelay(regErr(503), 2, o), 400);
  t.equal(retryDelay(regErr(503), 10, o), 1000, 'capped at maxDelay');
  t.equal(retryDelay(regErr(503), 0, { ...o, random: () => 0 }), 50, 'jitter down to half');
  t.equal(retryDelay(regErr(429, 2000), 0, o), 2000, 'Retry-After wins over short backoff');
  t.equal(retryDelay(regErr(429, 10), 3, o), 800, 'backoff wins over a tiny Retry-After');
  t.equal(retryDelay(regErr(429, 1746136938000), 0, o), 5000, 'huge Retry-After capped');
  t.equal(
    retryDelay(regErr(429, 120_000), 0, { ...o, maxRetryAfter: undefined }),
    60_000,
    'default cap 60 s',
  );
});

t.test('withRetry retries transient failures, honouring the registry delay', async (t) => {
  const waits: number[] = [];
  let calls = 0;
  const out = await withRetry(
    async (attempt) => {
      calls++;
      if (attempt === 1) throw regErr(429, 2000);
      if (attempt === 2) throw codeErr('ECONNRESET');
      return 'ok';
    },
    { minDelay: 10, random: () => 0.999999, sleep: async (ms) => void waits.push(ms) },
  );
  t.equal(out, 'ok');
  t.equal(calls, 3);
  t.same(waits, [2000, 20]);
});

t.test('withRetry does not retry a 404 and stops after `retries`', async (t) => {
  let calls = 0;
  await t.rejects(
    withRetry(
      async () => {
        calls++;
        throw regErr(404);
      },
      { sleep: async () => {} },
    ),
    { code: 'ERR_NOT_FOUND', status: 404 },
  );
  t.equal(calls, 1);
  calls = 0;
  await t.rejects(
    withRetry(
      async () => {
        calls++;
        throw regErr(503);
      },
      { retries: 2, sleep: async () => {} },
    ),
    { code: 'ERR_REGISTRY_UNAVAILABLE', status: 503 },
  );
  t.equal(calls, 3);
});

t.test('withRetry honours a custom shouldRetry and onRetry', async (t) => {
  const seen: number[] = [];
  let calls = 0;
  await withRetry(
    async () => {
      if (++calls < 3) throw new DigestMismatchError('sha256:a', 'sha256:b', 'blob');
    },
    {
      shouldRetry: (e) => e instanceof DigestMismatchError,
      onRetry: (i) => seen.push(i.attempt),
      sleep: async () => {},
    },
  );
  t.same(seen, [1, 2]);
});

t.test('withRetry stops when the signal aborts, also during the wait', async (t) => {
  const ac = new AbortController();
  let calls = 0;
  const p = withRetry(
    async () => {
      calls++;
      throw new RateLimitError({ status: 429, method: 'GET', url: 'u', retryAfterMs: 30_000 });
    },
    { signal: ac.signal },
  );
  setTimeout(() => ac.abort(new Error('cancelled by test')), 20);
  const started = Date.now();
  await t.rejects(p, { message: 'cancelled by test' });
  t.ok(Date.now() - started < 5000, 'did not sit out Retry-After');
  t.equal(calls, 1);
  const pre = new AbortController();
  pre.abort(new Error('already'));
  await t.rejects(
    withRetry(async () => 1, { signal: pre.signal }),
    { message: 'already' },
  );
});

t.test(
  'RetryBudget: `retries` in all, Retry-After in the delay, refilled by progress',
  async (t) => {
    const b = new RetryBudget({ retries: 2, minDelay: 10, random: () => 0.999999 });
    t.match(b.take(regErr(503)), { attempt: 1, delayMs: 10 });
    t.match(
      b.take(regErr(429, 3000)),
      { attempt: 2, delayMs: 3000 },
      'Retry-After raises the delay',
    );
    t.equal(b.take(regErr(503)), undefined, 'spent');
    b.refill();
    t.match(b.take(regErr(503)), { attempt: 1, delayMs: 10 }, 'progress gives the retries back');
  },
);

t.test('withRetry as owner: attempts run owned, and nested retries spend its budget', async (t) => {
  const outer = new AbortController();
  t.notOk(inOwnedAttempt(undefined), 'no signal: not owned');
  t.notOk(inOwnedAttempt(outer.signal), "the caller's signal is not owned");
  let calls = 0;
  const signals: Array<AbortSignal | undefined> = [];
  await t.rejects(
    withRetry(
      async (_attempt, signal) => {
        calls++;
        signals.push(signal);
        // A nested retrier (a chunk resume) spends one retry of the same budget.
        ownerBudget(signal)?.take(regErr(503));
        throw regErr(503);
      },
      { retries: 4, owner: true, sleep: async () => {}, signal: outer.signal },
    ),
    { code: 'ERR_REGISTRY_UNAVAILABLE', status: 503 },
  );
  t.equal(calls, 3, 'five tries in all: three attempts, two nested retries');
  t.same(
    signals.map((s) => inOwnedAttempt(s)),
    [true, true, true],
    'each attempt has an owned signal',
  );
  t.equal(new Set(signals).size, 3, 'a signal of its own per attempt');
  t.notOk(inOwnedAttempt(outer.signal), "the mark does not leak onto the caller's signal");
  await withRetry(
    async (_attempt, signal) => {
      t.equal(signal, outer.signal, "without `owner`: the caller's signal");
      t.notOk(inOwnedAttempt(signal), 'not owned without `owner`');
    },
    { signal: outer.signal },
  );
});

t.test("an owned attempt's signal aborts with the operation's", async (t) => {
  const outer = new AbortController();
  const reason = new Error('stop');
  let seen: AbortSignal | undefined;
  await t.rejects(
    withRetry(
      (_attempt, signal) =>
        new Promise((_resolve, reject) => {
          seen = signal;
          signal?.addEventListener('abort', () => reject(signal.reason));
          outer.abort(reason);
        }),
      { owner: true, signal: outer.signal, sleep: async () => {} },
    ),
    reason,
  );
  t.ok(seen?.aborted, 'aborted');
  t.equal(seen?.reason, reason, "with the operation's reason");
});
