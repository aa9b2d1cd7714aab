// Defaults the user can override, in one place (the lead folds these into the shared settings).
export const DEFAULTS = {
  /** libpq's connect_timeout: seconds to wait for the server to answer (per attempt). */
  connectTimeoutSeconds: 10,
  /**
   * statement_timeout of every session: catalog reads take milliseconds, sizes for thousands of
   * partitions seconds; anything longer is a stuck server, not a slow one. Apply's DDL and row
   * moves run without it (their lock waits are bounded by lock_timeout instead).
   */
  catalogStatementTimeoutMs: 30_000,
  /** lock_timeout of every session: no reader or writer should queue behind us for long (DESIGN). */
  lockTimeoutMs: 100,
  /** What DBAs see in pg_stat_activity unless the URL says otherwise. */
  applicationName: 'partition-keeper',
} as const;
