// Opening a connection: the one place that knows the URL, so nothing else can leak it.
import pg from 'pg';

export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** host:port/database of a URL, never the user's password (for messages). */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const port = u.port || '5432';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${port}/${db}`;
  } catch {
    return '(unparsable database URL)';
  }
}

/** Removes passwords from URLs in a message, and `url`'s own password wherever it appears. */
export function redact(text: string, url?: string): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  if (url) {
    try {
      const u = new URL(url);
      // The password may sit in the user-info part or in a ?password= parameter; hide both.
      for (const pw of [decodeURIComponent(u.password), u.searchParams.get('password') ?? '']) {
        if (pw) out = out.split(pw).join('***');
      }
    } catch {
      // not a URL: nothing more to hide
    }
  }
  return out;
}

export interface ConnectOptions {
  /** Seconds to wait for the server before giving up. */
  connectTimeoutSeconds?: number;
  applicationName?: string;
}

/**
 * Connects and fixes the session settings our parsing relies on (ISO dates, UTC), in one round trip.
 * Throws ConnectionError with host, port and database and the reason, never the password.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  if (!url) {
    throw new ConnectionError(
      'no database URL: pass --database-url or set DATABASE_URL (postgres://user@host:5432/db)',
    );
  }
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: (options.connectTimeoutSeconds ?? 10) * 1000,
      application_name: options.applicationName ?? 'partition-keeper',
    });
  } catch (error) {
    throw new ConnectionError(`invalid database URL: ${redact(String((error as Error).message), url)}`);
  }
  client.on('error', () => {
    // A dropped connection surfaces on the next query; without a listener Node would crash.
  });
  try {
    await client.connect();
    await client.query("SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; SET timezone = 'UTC'");
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = redact(String((error as Error).message || error), url);
    throw new ConnectionError(`cannot connect to ${describeTarget(url)}: ${reason}`);
  }
  return client;
}
