// The kid_absences seed as the archival tests use it: a yearly parent with 2025–2028 (no rows),
// and its config: retention 1 year and (when given) its archive: block.

export const KID_ABSENCES_TABLE = `
create table kid_absences (kid_id bigint not null, date date not null, reason text) partition by range (date);
create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
create table kid_absences_2026 partition of kid_absences for values from ('2026-01-01') to ('2027-01-01');
create table kid_absences_2027 partition of kid_absences for values from ('2027-01-01') to ('2028-01-01');
create table kid_absences_2028 partition of kid_absences for values from ('2028-01-01') to ('2029-01-01');
`;

export interface KidsArchive {
  /** archive.dump: a directory or s3://bucket/prefix. */
  dump: string;
  drop: boolean;
}

/** The config's YAML text (write it with writeConfig). */
export function kidAbsencesConfig(archive?: KidsArchive | string): string {
  const block =
    archive === undefined
      ? ''
      : typeof archive === 'string'
        ? `    archive:\n${archive}\n`
        : `    archive:\n      schema: archive\n      dump: ${archive.dump}\n      drop: ${archive.drop}\n`;
  return (
    'tables:\n  - table: public.kid_absences\n    interval: year\n    naming: "{parent}_{YYYY}"\n' +
    `    premake: 1\n    retention: 1 year\n${block}`
  );
}
