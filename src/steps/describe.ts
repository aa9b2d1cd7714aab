// A step in words, on one line (names escaped so that none can break the line): for logs and reports.
import { escapeForComment, stepHeaderBody } from '../sql/header';
import { quoteQualified } from '../sql/quote';
import type { Step } from './step';

export function describeStep(step: Step): string {
  if (step.kind === 'create') {
    return escapeForComment(
      `create ${quoteQualified(step.partition)} [${step.from}, ${step.to}) of ${quoteQualified(step.parent)}`,
    );
  }
  return escapeForComment(stepHeaderBody(step));
}
