// One line per step on stderr: human by default, JSON with --log-format json. Reports go to stdout.
import { redact } from './db/connect';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** `databaseUrl`: its password is masked in every line, wherever it turns up. */
export function createLogger(
  format: LogFormat,
  write: (line: string) => void = (l) => process.stderr.write(l),
  databaseUrl?: string,
): Logger {
  return {
    log(level, message, fields = {}) {
      const safe = redact(message, databaseUrl);
      if (format === 'json') {
        write(`${JSON.stringify({ time: new Date().toISOString(), level, message: safe, ...fields })}\n`);
      } else {
        const extra = Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        write(`${level === 'info' ? '' : `${level}: `}${safe}${extra ? `  ${extra}` : ''}\n`);
      }
    },
  };
}
