// The JSON plan (a contract: DESIGN.md "JSON plan"). Extra fields are allowed; these are stable.
import type { Plan } from '../types';
import { DEFAULT_STRATEGY, planStatements, type Strategy } from '../sql/render';

export function planToJson(plan: Plan, strategy: Strategy = DEFAULT_STRATEGY): object {
  return {
    now: plan.now,
    tables: plan.tables.map((t) => ({
      table: t.table,
      interval: t.interval,
      keyColumn: t.keyColumn ?? null,
      keyType: t.keyType ?? null,
      timezone: t.timezone,
      skipped: t.skipped,
      // DESIGN.md's contract: `coverage` is what the table has once this plan is applied;
      // `coverageNow` is the table as it is (what `check` judges).
      coverage: t.coverageAfterPlan,
      coverageNow: t.coverage,
      create: t.create.map((c) => ({
        name: c.name,
        schema: c.schema,
        from: c.from,
        to: c.to,
        reason: c.reason,
        defaultRows: c.defaultRows,
        adopt: c.adopt ?? false,
      })),
      archive: t.archive.map((a) => ({
        name: a.name,
        schema: a.schema,
        from: a.from,
        to: a.to,
        steps: a.steps,
        targetSchema: a.targetSchema,
      })),
      findings: t.findings,
    })),
    statements: planStatements(plan, strategy),
  };
}

export function renderPlanJson(plan: Plan, strategy: Strategy = DEFAULT_STRATEGY): string {
  return `${JSON.stringify(planToJson(plan, strategy), null, 2)}\n`;
}
