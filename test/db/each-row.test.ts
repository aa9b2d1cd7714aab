// eachRow on real PostgreSQL (server and PGlite): every row handed over in order, a failing
// statement or a failing handler rejects, and the connection is usable afterwards.
import { expect, it } from 'vitest';
import { connect } from '../../src/db/connect';
import { eachRow } from '../../src/db/each-row';
import { describeEachBackend } from '../helpers/backends';

describeEachBackend('eachRow', (db) => {
  it('hands over every row, rejects on a failing statement or handler, and leaves the connection usable', async () => {
    const client = await connect(db().url);
    try {
      const seen: number[] = [];
      const series = 'select n from generate_series(1, $1::int) n';
      await eachRow<{ n: number }>(client, series, [5000], (row) => seen.push(row.n));
      expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));

      await expect(eachRow(client, 'select 1 / $1::int', [0], () => undefined)).rejects.toThrow(
        'division by zero',
      );

      let handled = 0;
      const refusal = eachRow<{ n: number }>(client, series, [100], (row) => {
        handled += 1;
        if (row.n === 3) throw new Error('row 3 is not wanted');
      });
      await expect(refusal).rejects.toThrow('row 3 is not wanted');
      expect(handled).toBe(3);

      const { rows } = await client.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
