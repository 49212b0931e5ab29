import t from 'tap';
import { errorSummary, InvalidDigestError, UsageError } from './errors.js';

t.test('errorSummary: the code and one line, for anything thrown', async (t) => {
  t.strictSame(errorSummary(new UsageError('bad\n  input\n')), {
    code: 'ERR_USAGE',
    message: 'bad input',
  });
  t.strictSame(errorSummary(new InvalidDigestError('not a digest')), {
    code: 'ERR_INVALID_DIGEST',
    message: 'not a digest',
  });
  t.strictSame(errorSummary(new TypeError('x is undefined')), {
    code: 'ERR_UNEXPECTED',
    message: 'x is undefined',
  });
  t.strictSame(errorSummary(new DOMException('stop', 'AbortError')), {
    code: 'ERR_ABORTED',
    message: 'stop',
  });
  t.strictSame(errorSummary('plain'), { code: 'ERR_UNEXPECTED', message: 'plain' });
});

t.test('errorSummary: a message longer than max is cut, with an ellipsis', async (t) => {
  const { message } = errorSummary(new Error('x'.repeat(50)), 10);
  t.equal(message, `${'x'.repeat(9)}…`);
  t.equal(errorSummary(new Error('x'.repeat(50))).message.length, 50, 'no limit by default');
});
