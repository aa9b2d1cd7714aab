// The JSON plan (a contract: DESIGN.md "JSON plan"). Extra fields are allowed; these are stable.
import type { Plan } from '../types';
import type { Step } from '../steps/step';
import { stepsByTable } from '../steps/select';
import { describeStep } from '../steps/describe';
import { quoteQualified } from '../sql/quote';
import { stepStatements, type Strategy } from '../sql/step-sql';

export function planToJson(plan: Plan, steps: readonly Step[], strategy: Strategy): object {
  const sql = steps.map((s) => stepStatements(s, strategy));
  // Each statement appears once, in `statements`; a step points at its own by position (a create
  // is a DO block of several KB: carried twice, 400 creates made a 13 MB plan).
  let next = 0;
  const first = sql.map((statements) => (next += statements.length) - statements.length);
  const stepsOf = stepsByTable(steps);
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
      create: stepsOf(t)
        .filter((s) => s.kind === 'create')
        .map((s) => ({
          name: s.partition.name,
          schema: s.partition.schema,
          from: s.from,
          to: s.to,
          reason: s.reason,
          defaultRows: s.defaultRows,
          adopt: s.adopt,
        })),
      deferred: t.deferred,
      archive: t.archive.map((a) => ({
        name: a.name,
        schema: a.schema,
        from: a.from,
        to: a.to,
        steps: a.steps,
        targetSchema: a.targetSchema,
        state: a.state,
        ...(a.store !== undefined && { store: a.store }),
        ...(a.dumped !== undefined && { dumped: a.dumped }),
      })),
      findings: t.findings,
    })),
    steps: steps.map((s, i) => ({
      index: i + 1,
      kind: s.kind,
      table: quoteQualified(s.parent),
      description: describeStep(s),
      statements: { first: first[i], count: sql[i]!.length },
    })),
    statements: sql.flat(),
  };
}

/** The JSON plan as `plan --format json` prints it. */
export function planJsonText(json: object): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}
