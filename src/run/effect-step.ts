// Runs one archival step that is not SQL (dump, verify, upload, drop) as the runner runs SQL steps:
// it reports done / already done / failed with a reason and its time. The lock bound reaches it
// through the session (the SQL it runs) and pg_dump's own lock wait; the deadline through the
// runner (which starts no step after it and sets statement_timeout to the time left when the step
// starts), the run's abort signal (pg_dump, pg_restore, the store's calls) and the drop's retries.
import type pg from 'pg';
import type { EffectStep } from '../steps/step';
import type { EffectRun } from './effects';
import type { StepOutcome } from './execute';

export async function executeEffect(
  client: pg.Client,
  step: EffectStep,
  index: number,
  effects: EffectRun,
): Promise<StepOutcome> {
  const started = Date.now();
  try {
    const result = await effects.run(client, step);
    return {
      step,
      index,
      status: result.status,
      attempts: 1,
      ms: Date.now() - started,
      notices: result.notices,
    };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      step,
      index,
      status: 'failed',
      attempts: 1,
      ms: Date.now() - started,
      notices: [],
      error: (error as Error).message,
      ...(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && { code }),
    };
  }
}
