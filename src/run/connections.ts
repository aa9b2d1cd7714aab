// The extra connections `apply` runs tables on: opened together, all or none, closed together.
import type pg from 'pg';
import { connect } from '../db/connect';

export const APPLY_APPLICATION_NAME = 'partition-keeper apply';

export async function openConnections(databaseUrl: string, count: number): Promise<pg.Client[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(0, count) }, () =>
      connect(databaseUrl, { applicationName: APPLY_APPLICATION_NAME }),
    ),
  );
  const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await closeAll(opened);
    throw failed.reason;
  }
  return opened;
}

export async function closeAll(connections: readonly pg.Client[]): Promise<void> {
  await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
}
