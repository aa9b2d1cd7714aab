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
  /**
   * The parent had a DEFAULT partition when planned: the step moves the range's rows out of it
   * first. Without one the step is shorter, and refuses a DEFAULT that has appeared since.
   */
  fromDefault: boolean;
  /** Rows the plan saw in the DEFAULT partition for this range (the step moves whatever is there). */
  defaultRows: number;
}

/** What every archival step names: the table (where the step finds it), its parent and bounds. */
interface ArchivalFields {
  parent: QualifiedName;
  /** The table where this step finds it (after a `move`: in the archive schema). */
  partition: QualifiedName;
  from: string;
  to: string;
}

/** Detach a due partition and give it its origin mark (DESIGN.md "Archived tables carry their origin"). */
export interface DetachStep extends ArchivalFields {
  kind: 'detach';
  /** DETACH … CONCURRENTLY (PostgreSQL 14+, no DEFAULT partition); else plain DETACH in one block. */
  concurrently: boolean;
}

/** Finish a DETACH … CONCURRENTLY an interrupted run left pending (FINALIZE), and mark the table. */
export interface FinalizeStep extends ArchivalFields {
  kind: 'finalize';
}

/** Move a detached, marked table into the archive schema (ALTER TABLE … SET SCHEMA). */
export interface MoveStep extends ArchivalFields {
  kind: 'move';
  schema: string;
  /** The plan saw no such schema: the step creates it. */
  createSchema: boolean;
}

/** Steps that are not SQL: `apply` carries them out, psql skips their header lines. */
export type EffectKind = 'dump' | 'verify' | 'upload' | 'drop';
export const EFFECT_KINDS: readonly EffectKind[] = ['dump', 'verify', 'upload', 'drop'];

/**
 * dump: pg_dump -Fc of the table; verify: the dump reads back to the table's rows; upload: the dump
 * and its manifest into the store, shown to carry the recorded sha256; drop: DROP TABLE, only when
 * the store confirms this table's verified dump.
 */
export interface EffectStep extends ArchivalFields {
  kind: EffectKind;
  /** archive.dump: a directory, or s3://bucket/prefix. */
  store: string;
}

/** Put an archived table back: into the parent's schema, attached with the bounds of its origin mark. */
export interface ReattachStep extends ArchivalFields {
  kind: 'reattach';
}

export type ArchivalStep = DetachStep | FinalizeStep | MoveStep | EffectStep | ReattachStep;
export type Step = CreateStep | ArchivalStep;
export type StepKind = Step['kind'];

export const isEffect = (step: Step): step is EffectStep =>
  (EFFECT_KINDS as readonly string[]).includes(step.kind);
