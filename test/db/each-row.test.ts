// eachRow on real PostgreSQL (server and PGlite): every row handed over in order, a failing
// statement or a failing handler rejects, and the connection is usable afterwards; a session ended
// mid-stream rejects at once (server only: PGlite has one session).
import { expect, it } from 'vitest';
import { connect } from '../../src/db/connect';
import { eachRow } from '../../src/db/each-row';
import { describeEachBackend, describeOnServer } from '../helpers/backends';

describeEachBackend('eachRow', (db) => {
  it('hands over every row, rejects on a failing statement or handler, and leaves the connection usable', async () => {
    const client = await connect(db().url);
    try {
      const seen: number[] = [];
      // Each row's fields as the server sent them: text, and null for NULL.
      const fields: (string | null)[][] = [];
      await eachRow(client, "select 1::int, null::text, 'a\tb'::text, true", [], (row) =>
        fields.push([...row]),
      );
      expect(fields).toEqual([['1', null, 'a\tb', 't']]);
      const series = 'select n from generate_series(1, $1::int) n';
      await eachRow(client, series, [5000], ([n]) => seen.push(Number(n)));
      expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));

      await expect(eachRow(client, 'select 1 / $1::int', [0], () => undefined)).rejects.toThrow(
        'division by zero',
      );

      let handled = 0;
      const refusal = eachRow(client, series, [100], ([n]) => {
        handled += 1;
        if (n === '3') throw new Error('row 3 is not wanted');
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

describeOnServer('eachRow when the connection is lost', (db) => {
  it('rejects, rather than waiting for rows that will never come, when the session is ended mid-stream', async () => {
    const client = await connect(db().url);
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    let handled = 0;
    let ended: Promise<unknown> | undefined;
    const started = Date.now();
    const reading = eachRow(client, 'select n from generate_series(1, 3000000) n', [], () => {
      handled += 1;
      ended ??= db().client.query('select pg_terminate_backend($1)', [pid]);
    });
    try {
      // the server's own reason (57P01), not a hang
      await expect(reading).rejects.toMatchObject({
        code: '57P01',
        message: 'terminating connection due to administrator command',
      });
      expect(handled).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      await ended;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});
