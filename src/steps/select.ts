// A table's own steps, in order.
import { relationKey } from '../sql/quote';
import type { QualifiedName } from '../types';
import type { Step } from './step';

export function stepsOf(steps: readonly Step[], table: QualifiedName): Step[] {
  const key = relationKey(table);
  return steps.filter((s) => relationKey(s.parent) === key);
}
