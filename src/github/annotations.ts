// Findings and failed steps as workflow annotations, within GitHub's limits: a step shows at most
// 10 error, 10 warning and 10 notice annotations. Beyond that, the last one a level may show says
// how many more there are and where to read them, instead of the rest vanishing without a word.
import type { ApplyReport } from '../report/apply';
import { describeStep } from '../steps/describe';
import { escapeForComment } from '../sql/header';
import type { FindingLevel, Plan } from '../types';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  title: string;
  message: string;
}

/** Annotations a level already uses elsewhere in the step (failing the step adds one error). */
export type Reserved = Partial<Record<AnnotationLevel, number>>;

/** GitHub shows this many annotations of each level per step. */
export const ANNOTATIONS_PER_LEVEL = 10;

/** At most `limit` per level, less what is reserved; the last shown of an overflowing level aggregates the rest. */
export function withinLimits(
  all: readonly Annotation[],
  reserved: Reserved = {},
  limit = ANNOTATIONS_PER_LEVEL,
): Annotation[] {
  const out: Annotation[] = [];
  for (const level of ['error', 'warning', 'notice'] as const) {
    const own = all.filter((a) => a.level === level);
    const room = Math.max(1, limit - (reserved[level] ?? 0));
    if (own.length <= room) {
      out.push(...own);
      continue;
    }
    out.push(...own.slice(0, room - 1));
    const more = own.length - (room - 1);
    out.push({
      level,
      title: `partition-keeper: ${more} more ${level}s`,
      message:
        `${more} more ${level}s than GitHub shows as annotations in one step: ` +
        "every one is in the job summary and in this step's log.",
    });
  }
  return out;
}

const LEVEL: Record<FindingLevel, AnnotationLevel> = { error: 'error', warning: 'warning', info: 'notice' };

/** One annotation per finding, titled with its table and code (before limits). */
function findingAnnotations(plan: Plan): Annotation[] {
  return plan.tables.flatMap((t) =>
    t.findings.map((f) => ({
      level: LEVEL[f.level],
      // Names may hold line breaks; an annotation's title is one line.
      title: escapeForComment(`${t.table}: ${f.code}`),
      message: f.message,
    })),
  );
}

export function annotationsFor(plan: Plan, reserved: Reserved = {}): Annotation[] {
  return withinLimits(findingAnnotations(plan), reserved);
}

/** apply: one error per failed step, one warning per step not run, and the plan's findings. */
export function failedStepAnnotations(report: ApplyReport, reserved: Reserved = {}): Annotation[] {
  const steps: Annotation[] = report.outcomes
    .filter((o) => o.status === 'failed' || o.status === 'not-run')
    .map((o) => ({
      level: o.status === 'failed' ? 'error' : 'warning',
      title: escapeForComment(`step ${o.index} ${o.status === 'failed' ? 'failed' : 'not run'}`),
      message: `${describeStep(o.step)}: ${o.error ?? o.status}`,
    }));
  return withinLimits([...steps, ...(report.plan ? findingAnnotations(report.plan) : [])], reserved);
}
