import { describe, expect, it } from 'vitest';
import { ExitCode, LifeboatError } from './lifeboat-error.ts';
import { reportError } from './report.ts';

describe('reportError', () => {
  it('maps codes to exit codes', () => {
    expect(reportError(new LifeboatError('USAGE', 'bad flag'), { debug: false }).exitCode).toBe(
      ExitCode.usage,
    );
    expect(reportError(new LifeboatError('CONFIG', 'bad config'), { debug: false }).exitCode).toBe(
      ExitCode.usage,
    );
    expect(reportError(new LifeboatError('PARTIALLY_FAILED', 'some items'), { debug: false }).exitCode).toBe(
      ExitCode.partiallyFailed,
    );
    expect(reportError(new LifeboatError('UNREACHABLE', 'down'), { debug: false }).exitCode).toBe(
      ExitCode.failed,
    );
  });

  it('says what went wrong, the cause and what to do, redacted', () => {
    const err = new LifeboatError(
      'UNAUTHENTICATED',
      'the bucket refused the credentials for https://u:pw@s3.local',
      {
        hint: 'check aws_secret_access_key=abc in the credentials file',
        cause: Object.assign(new Error('SignatureDoesNotMatch'), { code: 'InvalidSignature' }),
      },
    );
    const report = reportError(err, { debug: false });
    expect(report.lines).toEqual([
      'Error: the bucket refused the credentials for https://[REDACTED]@s3.local',
      '  cause: InvalidSignature: SignatureDoesNotMatch',
      '  hint: check aws_secret_access_key=[REDACTED] in the credentials file',
    ]);
  });

  it('calls an unexpected error a bug, with the stack only under --debug', () => {
    const plain = reportError(new TypeError('x is undefined'), { debug: false });
    expect(plain.exitCode).toBe(ExitCode.failed);
    expect(plain.lines[0]).toBe('Error: unexpected failure (this is a bug): x is undefined');
    expect(plain.lines.join('\n')).not.toContain('at ');
    const debug = reportError(new TypeError('x is undefined'), { debug: true });
    expect(debug.lines.join('\n')).toContain('report.test.ts');
  });
});
