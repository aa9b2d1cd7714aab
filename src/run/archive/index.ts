// Archival's side effects that are not SQL: dump one table, fingerprint its rows, verify a dump,
// store it (directory or S3) with its manifest. The archival steps (src/steps, src/run) call these.
//
// The flow, for one detached (and moved) table T, on a connection `client` made by connect():
//   const target = dumpTarget(parseConnInfo(url, env), await readServerVersion(client), env);
//   const name = dumpFileName(T);                                   // safe file name / S3 key
//   const fp = await tableFingerprint(client, T);                   // rows + checksum, live table
//   const dump = await dumpTable(target, T, localFile, { signal }); // size, sha256, pgDumpVersion
//   await verifyDump(target, localFile, { ...fp, ...dump }, { signal }); // DumpVerificationError
//   const store = openStore(spec.archive.dump);
//   await store.put(name, localFile, dump.sha256, { signal });     // resolves only once confirmed
//   await store.putManifest({ version: 2, database: await readDatabaseIdentity(client), table, parent,
//                             from, to, ...fp, file: name, size, sha256,
//                             serverVersion: target.server.text, pgDumpVersion, createdAt });
//   // drop only when store.confirm(name, (await store.getManifest(name)).sha256) is true
// And back (reattach --from-dump): getManifest(name) → download(name, file) → verifyDump(target,
// file, manifest) → pg_restore (the steps' side).
// `signal` is the run's deadline (AbortSignal.timeout(ms left)); tableFingerprint runs under the
// session's statement_timeout instead. The fingerprint and the dump are independent (two sessions),
// as are verify and upload (both only read the file): BENCHMARKS.md measures them overlapped.
export {
  describeDatabase,
  dumpFileName,
  sameDatabase,
  manifestName,
  manifestEntrySchema,
  parseManifest,
  serializeManifest,
  MANIFEST_SUFFIX,
  type DatabaseIdentity,
  type ManifestEntry,
} from './manifest';
export {
  dumpTable,
  dumpTarget,
  readDatabaseIdentity,
  readServerVersion,
  DumpToolError,
  PG_BIN_VARIABLE,
  type DumpResult,
  type DumpTarget,
  type RunOptions,
  type ServerVersion,
} from './dump';
export { fingerprintInTransaction, tableFingerprint, type Fingerprint } from './fingerprint';
export { verifyDump, DumpVerificationError, type ExpectedDump } from './verify';
export { openStore, StoreError, type ArchiveStore, type StoreOptions } from './store';
