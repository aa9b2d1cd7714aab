import { PGlite } from '@electric-sql/pglite';
import { readFileSync } from 'node:fs';
const db = await PGlite.create();
const setup = readFileSync('/tmp/scr/ident.sql','utf8').split('\n').filter(l=>!/^(drop database|create database|\\c)/.test(l)).join('\n');
await db.exec(setup);
for (const q of readFileSync('/tmp/scr/cmp.sql','utf8').split(';\n').filter(s=>s.trim())) {
  const r = await db.query(q);
  console.table(r.rows);
}
const v = await db.query('select version()'); console.log(v.rows);
