import { PassThrough } from 'node:stream';
import t from 'tap';
import { Runtime } from './runtime.js';
import { MASK } from './secrets.js';

const args = {
  json: false,
  logLevel: 'silent' as const,
  logFormat: 'text' as const,
  quiet: true,
  plainHttp: false,
  insecure: false,
};

t.test('the runtime holds GITHUB_TOKEN and what the transport learns as secrets', async (t) => {
  const io = {
    env: { GITHUB_TOKEN: 'ghs_exampleToken123' },
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
  };
  const rt = new Runtime(io, args);
  t.equal(rt.secrets.redact('token ghs_exampleToken123'), `token ${MASK}`);
  rt.transportOptions().onSecret?.('learned-at-runtime');
  t.equal(rt.secrets.redact('x learned-at-runtime'), `x ${MASK}`);
});

/** plainHttpOf builds a runtime from these flags and returns its per-registry scheme rule. */
function plainHttpOf(flags: Record<string, unknown>): (registry: string) => boolean {
  const io = {
    env: {},
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
  };
  const rt = new Runtime(io, { ...args, plainHttp: undefined, ...flags });
  const rule = rt.transportOptions().plainHttp;
  if (typeof rule !== 'function') throw new Error('the runtime gives the transport a function');
  return rule;
}

t.test('plain http: loopback by default, never a registry the flag does not name', async (t) => {
  const none = plainHttpOf({});
  t.ok(none('localhost:5000'), 'loopback: http by default');
  t.ok(none('127.0.0.1:5000'));
  t.notOk(none('docker.io'), 'public: https');
  t.notOk(none('staging.example:5000'));

  const off = plainHttpOf({ plainHttp: false });
  t.notOk(off('127.0.0.1:5000'), '--no-plain-http: https even on loopback');

  const on = plainHttpOf({
    plainHttp: true,
    src: 'staging.example/app:1',
    dst: 'prod.example/app',
  });
  t.ok(on('staging.example'), '--plain-http: both registries of the command');
  t.ok(on('prod.example'));
  const hub = plainHttpOf({ plainHttp: true, src: 'alpine:3', dst: '127.0.0.1:5000/app:1' });
  t.notOk(hub('docker.io'), '--plain-http: Docker Hub, the source, stays https');
  t.ok(hub('127.0.0.1:5000'));

  const from = plainHttpOf({
    fromPlainHttp: true,
    src: 'staging.example:5000/app:1',
    dst: 'docker.io/me/app:1',
  });
  t.ok(from('staging.example:5000'), '--from-plain-http: the source');
  t.notOk(from('docker.io'), 'the target, Docker Hub, stays https');

  const to = plainHttpOf({ toPlainHttp: true, src: 'alpine:3', to: 'prod.internal/app' });
  t.ok(to('prod.internal'), '--to-plain-http: the target of promote');
  t.notOk(to('docker.io'), 'the source, Docker Hub, stays https');

  const mixed = plainHttpOf({
    toPlainHttp: false,
    src: '127.0.0.1:5000/app:1',
    to: '127.0.0.1:5001/app',
  });
  t.ok(mixed('127.0.0.1:5000'), 'the source follows the loopback default');
  t.notOk(mixed('127.0.0.1:5001'), '--to-plain-http=false: https on loopback');

  const sideWins = plainHttpOf({
    plainHttp: false,
    fromPlainHttp: true,
    src: '127.0.0.1:5000/app:1',
    dst: '127.0.0.1:5001/app',
  });
  t.ok(sideWins('127.0.0.1:5000'), 'a side flag overrides --no-plain-http for its side');
  t.notOk(sideWins('127.0.0.1:5001'));
});

t.test('--from-plain-http and --to-plain-http disagreeing about one registry: usage', async (t) => {
  t.throws(
    () =>
      plainHttpOf({
        fromPlainHttp: true,
        toPlainHttp: false,
        src: 'r.example/a:1',
        to: 'r.example/b',
      }),
    { code: 'ERR_USAGE', message: /r\.example.*both/ },
  );
});
