// The kid_absences seed's config, as the archival tests use it: a yearly parent, retention 1 year,
// and (when given) its archive: block.

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
