// The snapshot reads bounds with pg_get_expr(relpartbound, 0): no relation context, so no lock on
// each partition and a third of the time at 100,000 partitions. Bounds hold only constants, so the
// text must be exactly what pg_get_expr(relpartbound, oid) prints. This compares every bound both
// ways, for every key type, MINVALUE / MAXVALUE and DEFAULT, in a session TimeZone other than UTC.
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends';

describeEachBackend('partition bounds read without relation context', (db) => {
  it('pg_get_expr(relpartbound, 0) = pg_get_expr(relpartbound, oid) for every partition', async () => {
    await db().reset();
    const session = await db().connect();
    try {
      // timestamptz bounds print in the session's zone, with its offset; both ways must agree.
      await session.query(`set timezone = 'America/St_Johns'`);
      await session.query(`
        create table by_date (d date not null) partition by range (d);
        create table by_date_min partition of by_date for values from (minvalue) to ('0044-01-01 BC');
        create table by_date_mid partition of by_date for values from ('2000-01-01') to ('2024-01-01');
        create table by_date_y2024m01 partition of by_date for values from ('2024-01-01') to ('2024-02-01');
        create table by_date_bc partition of by_date for values from ('0044-03-01 BC') to ('0044-04-01 BC');
        create table by_date_max partition of by_date for values from ('2024-02-01') to (maxvalue);

        create table by_stamp (t timestamp not null) partition by range (t);
        create table by_stamp_a partition of by_stamp for values from ('2024-03-01 00:00') to ('2024-03-01 12:30:15.25');
        create table by_stamp_inf partition of by_stamp for values from ('2030-01-01') to ('infinity');
        create table by_stamp_default partition of by_stamp default;

        create table by_instant (t timestamptz not null) partition by range (t);
        create table by_instant_a partition of by_instant for values from ('2024-03-10 00:00+00') to ('2024-03-11 00:00-05');
        create table by_instant_b partition of by_instant for values from ('2024-03-11 00:00-05') to ('2024-11-03 12:00:00.5+05:30');
        create table by_instant_min partition of by_instant for values from (minvalue) to ('1900-01-01 00:00+00');
        create table by_instant_default partition of by_instant default;

        create table by_day (d date not null) partition by range (d);
        create table by_day_default partition of by_day default;

        create table sub (d date not null, t timestamptz not null) partition by range (d);
        create table sub_y2024 partition of sub for values from ('2024-01-01') to ('2025-01-01') partition by range (t);
        create table sub_y2024_a partition of sub_y2024 for values from (minvalue) to ('2024-06-01 00:00+02');
      `);
      const { rows } = await session.query<{ name: string; without: string; with: string }>(`
        select c.relname as name, pg_get_expr(c.relpartbound, 0) as without, pg_get_expr(c.relpartbound, c.oid) as with
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relispartition and n.nspname = 'public'
         order by 1`);
      expect(rows.map((r) => r.name)).toEqual([
        'by_date_bc',
        'by_date_max',
        'by_date_mid',
        'by_date_min',
        'by_date_y2024m01',
        'by_day_default',
        'by_instant_a',
        'by_instant_b',
        'by_instant_default',
        'by_instant_min',
        'by_stamp_a',
        'by_stamp_default',
        'by_stamp_inf',
        'sub_y2024',
        'sub_y2024_a',
      ]);
      for (const row of rows)
        expect({ name: row.name, text: row.without }).toEqual({ name: row.name, text: row.with });
      // The comparison means something: the zone shows in the timestamptz bounds, and DEFAULT, MINVALUE,
      // MAXVALUE and BC dates are among them.
      const text = Object.fromEntries(rows.map((r) => [r.name, r.without]));
      expect(text.by_instant_a).toBe(
        "FOR VALUES FROM ('2024-03-09 20:30:00-03:30') TO ('2024-03-11 02:30:00-02:30')",
      );
      expect(text.by_instant_default).toBe('DEFAULT');
      expect(text.by_date_min).toBe("FOR VALUES FROM (MINVALUE) TO ('0044-01-01 BC')");
      expect(text.by_date_max).toBe("FOR VALUES FROM ('2024-02-01') TO (MAXVALUE)");
      expect(text.by_date_bc).toBe("FOR VALUES FROM ('0044-03-01 BC') TO ('0044-04-01 BC')");
      expect(text.by_stamp_a).toBe("FOR VALUES FROM ('2024-03-01 00:00:00') TO ('2024-03-01 12:30:15.25')");
    } finally {
      await session.end();
    }
  });
});
