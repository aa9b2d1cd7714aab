// The unit of work every consumer shares: the reports, the reviewed file, `apply` and the PR body
// all walk the same ordered list of steps. A step carries exactly what its header line says, so a
// step read back from a reviewed file equals the step that was written.
import type { CreateReason, QualifiedName } from '../types';

/** Make one partition: create it (or adopt the existing table) and attach it with its bounds. */
export interface CreateStep {
  kind: 'create';
  /** The partitioned table. */
  parent: QualifiedName;
  partition: QualifiedName;
  /** Bound literals as PostgreSQL prints them (dates as YYYY-MM-DD, timestamptz with offset). */
  from: string;
  to: string;
  reason: CreateReason;
  /** The plan found a detached table of this name to attach instead of creating one. */
  adopt: boolean;
  /** Rows the plan saw in the DEFAULT partition for this range (the step moves whatever is there). */
  defaultRows: number;
}

/** Later kinds (detach, finalize, move, dump, verify, upload, drop, reattach) join this union. */
export type Step = CreateStep;
export type StepKind = Step['kind'];
