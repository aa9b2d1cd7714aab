// Secrets never reach a message: connection URLs in any text lose their password, and the
// configured URL's password is masked wherever it turns up (in user-info or ?password=).
import { describe, expect, it } from 'vitest';
import { describeTarget, redact } from '../../src/db/connect';
import { createLogger } from '../../src/log';

describe('redact', () => {
  it('masks the password of any postgres URL in the text', () => {
    expect(redact('failed: postgres://keeper:s3cr%40t@db.example:5432/claims refused')).toBe(
      'failed: postgres://keeper:***@db.example:5432/claims refused',
    );
    expect(redact('postgresql://a:b@h/d and postgres://c:d@h/e')).toBe(
      'postgresql://a:***@h/d and postgres://c:***@h/e',
    );
  });

  it("masks the configured URL's password wherever it appears, decoded, or given as ?password=", () => {
    const url = 'postgres://keeper:p%40ss-word@db.example/claims';
    expect(redact('server said: password "p@ss-word" is wrong', url)).toBe(
      'server said: password "***" is wrong',
    );
    const query = 'postgres://keeper@db.example/claims?password=query-secret&sslmode=require';
    expect(redact(`connecting with ${query}: query-secret rejected`, query)).not.toContain('query-secret');
  });

  it('describes a target by host, port and database only', () => {
    expect(describeTarget('postgres://keeper:hunter2@db.example:6543/claims?password=x')).toBe(
      'db.example:6543/claims',
    );
    expect(describeTarget('not a url')).toBe('(unparsable database URL)');
  });
});

describe('createLogger', () => {
  it.each(['text', 'json'] as const)('%s lines never carry the database password', (format) => {
    const lines: string[] = [];
    const url = 'postgres://keeper@db.example/claims?password=query-secret';
    const logger = createLogger(format, (line) => void lines.push(line), url);
    logger.log('error', 'statement failed near query-secret', { line: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('query-secret');
    expect(lines[0]).toContain('statement failed near ***');
  });
});
