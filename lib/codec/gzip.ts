// gzip members for tar.gz interchange (a registry push writes one per run of chunks): node:zlib,
// a large member on the store's worker threads. Node-only, so not in index.ts, which loads
// under Deno and in a browser.

export { gzipMember } from './_pool.js'
