// The origin mark an archived table carries (DESIGN.md "Archived tables carry their origin"): a
// COMMENT in one versioned, machine-readable format naming its parent and bounds, so `reattach`
// needs no other state. Written by the detach step, read back strictly: anything else is not ours.
//   partition-keeper:v1 {"parent":"public.kid_absences","from":"2025-01-01","to":"2026-01-01"}
// Once its dump is verified where it is stored, the mark also names that dump ("dump": location).
import type { OriginMark, QualifiedName } from '../types';
import { parseQualifiedName, quoteQualified } from '../sql/quote';

export const ORIGIN_PREFIX = 'partition-keeper:v1 ';

export type { OriginMark };

/** The comment text (the exact bytes the steps write and compare). */
export function renderOrigin(mark: OriginMark): string {
  const body: Record<string, string> = { parent: quoteQualified(mark.parent), from: mark.from, to: mark.to };
  if (mark.dump !== undefined) body.dump = mark.dump;
  return `${ORIGIN_PREFIX}${JSON.stringify(body)}`;
}

const KEYS = new Set(['parent', 'from', 'to', 'dump']);

/**
 * Reads a table comment as an origin mark. `undefined` when the comment is not ours (no prefix);
 * an Error message when it has our prefix but is not exactly the format (a mark edited by hand).
 */
export function parseOrigin(
  comment: string | null | undefined,
): OriginMark | { problem: string } | undefined {
  if (comment === null || comment === undefined || !comment.startsWith(ORIGIN_PREFIX)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(comment.slice(ORIGIN_PREFIX.length));
  } catch {
    return { problem: 'its partition-keeper:v1 comment is not JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { problem: 'its partition-keeper:v1 comment is not a JSON object' };
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !KEYS.has(k));
  if (unknown.length > 0)
    return { problem: `its partition-keeper:v1 comment has unknown fields: ${unknown.join(', ')}` };
  for (const key of ['parent', 'from', 'to'] as const) {
    if (typeof fields[key] !== 'string' || fields[key] === '') {
      return { problem: `its partition-keeper:v1 comment has no "${key}" string` };
    }
  }
  if (fields.dump !== undefined && (typeof fields.dump !== 'string' || fields.dump === '')) {
    return { problem: 'its partition-keeper:v1 comment has a "dump" that is not a string' };
  }
  let parent: QualifiedName;
  try {
    parent = parseQualifiedName(fields.parent as string);
  } catch (error) {
    return { problem: `its partition-keeper:v1 comment's parent ${(error as Error).message}` };
  }
  return {
    parent,
    from: fields.from as string,
    to: fields.to as string,
    ...(fields.dump !== undefined && { dump: fields.dump as string }),
  };
}

export const isOrigin = (value: ReturnType<typeof parseOrigin>): value is OriginMark =>
  value !== undefined && !('problem' in value);
