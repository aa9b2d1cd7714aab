// `status`: each parent's partitions as they are, with bounds, sizes and row estimates.
import type { CatalogSnapshot, ParentInfo, TableSpec } from '../types';
import { formatBound } from '../plan/bounds';
import { quoteQualified, relationKey } from '../sql/quote';
import { columns, formatBytes, formatRows } from './units';
import { plural } from '../words';

export interface TableStatus {
  table: string;
  problem?: string;
  keyColumn?: string;
  keyType?: string;
  partitions: {
    name: string;
    schema: string;
    from: string;
    to: string;
    bytes: number;
    estimatedRows: number | null;
  }[];
  defaultPartition?: { name: string; schema: string; bytes: number; rows: number };
  archived: { name: string; schema: string; bytes: number; estimatedRows: number | null }[];
}

export function tableStatuses(specs: TableSpec[], snapshot: CatalogSnapshot): TableStatus[] {
  return specs.map((spec) => {
    const parent: ParentInfo | undefined = snapshot.parents.get(relationKey(spec));
    const table = quoteQualified(spec);
    if (!parent || parent.problem || !parent.keyType) {
      return {
        table,
        problem: parent?.problem?.message ?? `${table} does not exist`,
        partitions: [],
        archived: [],
      };
    }
    const keyType = parent.keyType;
    const bound = (v: number): string => formatBound(v, keyType, spec.timezone);
    const def = parent.defaultPartition;
    return {
      table,
      keyColumn: parent.keyColumn,
      keyType,
      partitions: [...parent.partitions]
        .sort((a, b) => a.from - b.from)
        .map((p) => ({
          name: p.name,
          schema: p.schema,
          from: bound(p.from),
          to: bound(p.to),
          bytes: p.bytes,
          estimatedRows: p.estimatedRows,
        })),
      defaultPartition: def && {
        name: def.name,
        schema: def.schema,
        bytes: def.bytes,
        rows: def.rowsByDay.reduce((n, d) => n + d.rows, 0),
      },
      archived: parent.archived.map((a) => ({
        name: a.name,
        schema: a.schema,
        bytes: a.bytes,
        estimatedRows: a.estimatedRows,
      })),
    };
  });
}

export function renderStatusText(statuses: TableStatus[]): string {
  const out: string[] = [];
  for (const s of statuses) {
    out.push(s.keyColumn ? `${s.table}  (key ${s.keyColumn} ${s.keyType})` : s.table);
    if (s.problem) {
      out.push(`  ${s.problem}`, '');
      continue;
    }
    const rows = [['partition', 'from', 'to', 'size', 'est. rows']];
    for (const p of s.partitions)
      rows.push([p.name, p.from, p.to, formatBytes(p.bytes), formatRows(p.estimatedRows)]);
    out.push(...columns(rows));
    if (s.partitions.length === 0) out.push('  (no partitions)');
    out.push(
      s.defaultPartition
        ? `  DEFAULT ${s.defaultPartition.name}: ${plural(s.defaultPartition.rows, 'row')} (${formatBytes(s.defaultPartition.bytes)})`
        : '  no DEFAULT partition',
    );
    for (const a of s.archived) {
      out.push(
        `  archived ${quoteQualified(a)}: ${formatBytes(a.bytes)}, ${formatRows(a.estimatedRows)} est. rows (detached)`,
      );
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
