// Node 20 has no global `navigator`; Node 21 and later do. Loading pg probes for Cloudflare Workers,
// and without `navigator` that probe builds a `Response`, which loads Node's bundled undici: ~25 ms
// of every CLI start. Give Node 20 the `navigator.userAgent` later versions have, so the probe is
// cheap. Imported first by the CLI entry; a no-op where `navigator` exists.
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
    configurable: true,
    writable: true,
  });
}
