// Archival's side effects that are not SQL: dump one table, fingerprint its rows, verify a dump,
// store it (directory or S3) with its manifest. The archival steps (src/steps, src/run) call these.
//
// The flow, for one detached (and moved) table T:
//   const target = dumpTarget(parseConnInfo(url, env), await readServerVersion(client), env);
//   const name = dumpFileName(T);
//   const fp = await tableFingerprint(client, T);              // rows + checksum of the live table
//   const dump = await dumpTable(target, T, localFile);       // size, sha256, pgDumpVersion
//   await verifyDump(target, localFile, { ...fp, ...dump });  // throws DumpVerificationError
//   const store = openStore(spec.archive.dump);
//   await store.put(name, localFile, dump.sha256);            // resolves only once confirmed
//   await store.putManifest({ version: 1, table, parent, from, to, ...fp, file: name, ... });
//   // drop only when store.confirm(name, manifest.sha256) is true
// And back (reattach --from-dump): getManifest(name) → download(name, file) → verifyDump(file, manifest).
export {
  dumpFileName,
  manifestName,
  manifestEntrySchema,
  parseManifest,
  serializeManifest,
  MANIFEST_SUFFIX,
  type ManifestEntry,
} from './manifest';
export {
  dumpTable,
  dumpTarget,
  readServerVersion,
  DumpToolError,
  PG_BIN_VARIABLE,
  type DumpResult,
  type DumpTarget,
  type ServerVersion,
} from './dump';
export { tableFingerprint, type Fingerprint } from './fingerprint';
export { verifyDump, DumpVerificationError, type ExpectedDump } from './verify';
export { openStore, StoreError, type ArchiveStore } from './store';
