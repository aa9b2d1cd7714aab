// Errors that map to the documented exit codes (0 fine, 1 short or failed, 2 bad usage or config, 3 no connection).

export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2, connection: 3 } as const;
