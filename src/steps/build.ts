// Plan → steps: pure and deterministic, the one place that decides what runs and in what order.
import type { Plan } from '../types';
import type { Step } from './step';

/** Each table's steps in plan order (oldest range first), tables in config order. */
export function buildSteps(plan: Plan): Step[] {
  return plan.tables.flatMap((table) =>
    table.create.map((create): Step => ({
      kind: 'create',
      parent: { schema: table.schema, name: table.name },
      partition: { schema: create.schema, name: create.name },
      from: create.from,
      to: create.to,
      reason: create.reason,
      adopt: create.adopt ?? false,
      defaultRows: create.defaultRows,
    })),
  );
}
