// What the traffic felt, per role: how many statements, how many failed, and how long the worst waited.
import { percentile } from './lib';
import type { Role, StatementTimings } from './load-traffic';

/** A statement slower than this counts as stalled: the goal is that nobody waits longer because of us. */
export const STALL_MS = 500;

export interface LatencySummary {
  role: Role;
  statements: number;
  failures: number;
  maxMs: number;
  p99Ms: number;
  /** Statements that took longer than STALL_MS. */
  stalled: number;
  /** When the slowest one started, in ms since the load started. */
  slowestStartedAtMs: number | null;
}

export function summarize(role: Role, clients: StatementTimings[]): LatencySummary {
  const latencies = clients.flatMap((c) => c.latencies);
  let slowestStartedAtMs: number | null = null;
  let maxMs = 0;
  for (const client of clients) {
    client.latencies.forEach((ms, i) => {
      if (ms > maxMs) {
        maxMs = ms;
        slowestStartedAtMs = client.startedAt[i] ?? null;
      }
    });
  }
  return {
    role,
    statements: latencies.length,
    failures: clients.reduce((sum, c) => sum + c.failures, 0),
    maxMs,
    p99Ms: percentile(latencies, 99),
    stalled: latencies.filter((ms) => ms > STALL_MS).length,
    slowestStartedAtMs,
  };
}
