// Memoized pure functions for the planner. Tables share their periods, so the same few thousand
// dates, periods and bounds are converted over and over. Measured (2026-11-30, buildPlan of 400
// tables: 100 daily × 400 partitions, 300 monthly × 60, a third timestamptz; 2 shared cores,
// noisy): 1.1–3.5 s with these memos, 7.8–19.7 s without. Each memo wraps a pure function, so what
// it returns never depends on what was asked before; each is bounded (cleared past `limit` entries).

/** `compute`, remembering its results by `keyOf` of its arguments. */
export function memoize<A extends unknown[], V>(
  compute: (...args: A) => V,
  keyOf: (...args: A) => string | number,
  limit = 100_000,
): (...args: A) => V {
  const known = new Map<string | number, V>();
  return (...args: A): V => {
    const key = keyOf(...args);
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    if (known.size >= limit) known.clear();
    const value = compute(...args);
    known.set(key, value);
    return value;
  };
}
