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
