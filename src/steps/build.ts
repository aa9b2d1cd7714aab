// Plan → steps: pure and deterministic, the one place that decides what runs and in what order.
import type { PlannedArchive, QualifiedName, TablePlan } from '../types';
import type { Plan } from '../types';
import type { ArchivalStep, Step } from './step';

/**
 * Each table's steps in plan order: its creates (oldest range first), then its archival, oldest
 * first, each table's steps in turn. Tables in config order.
 */
export function buildSteps(plan: Plan): Step[] {
  return plan.tables.flatMap((table) => [
    ...table.create.map((create): Step => ({
      kind: 'create',
      parent: { schema: table.schema, name: table.name },
      partition: { schema: create.schema, name: create.name },
      from: create.from,
      to: create.to,
      reason: create.reason,
      adopt: create.adopt ?? false,
      fromDefault: table.defaultPartition !== undefined,
      defaultRows: create.defaultRows,
    })),
    ...table.archive.flatMap((archive) => archivalSteps(table, archive)),
  ]);
}

/** One due table's steps, each naming the table where that step finds it. */
export function archivalSteps(
  table: Pick<TablePlan, 'schema' | 'name'>,
  archive: PlannedArchive,
): ArchivalStep[] {
  const parent = { schema: table.schema, name: table.name };
  let at: QualifiedName = { schema: archive.schema, name: archive.name };
  const steps: ArchivalStep[] = [];
  for (const kind of archive.steps) {
    const base = { parent, partition: at, from: archive.from, to: archive.to };
    switch (kind) {
      case 'detach':
        steps.push({ kind, ...base, concurrently: archive.concurrently });
        break;
      case 'finalize':
        steps.push({ kind, ...base });
        break;
      case 'move':
        steps.push({ kind, ...base, schema: archive.targetSchema, createSchema: archive.createSchema });
        at = { schema: archive.targetSchema, name: archive.name };
        break;
      default:
        // dump, verify, upload, drop: the planner lists them only when archive.dump is set.
        if (archive.store === undefined) throw new Error(`${kind} planned without archive.dump`);
        steps.push({ kind, ...base, store: archive.store });
    }
  }
  return steps;
}
