// Precompresses the built console: next to each JS, CSS, SVG and HTML file
// of dist/ it writes name.br (brotli, best) and name.gz (gzip, best), which
// the server (api/console.go) sends to a browser that accepts them. A
// compressed copy no smaller than its file is not written. The output is
// deterministic (gzip's header carries no time or name), so a rebuild from
// the lock file reproduces dist/ byte for byte.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('../dist/', import.meta.url).pathname
const compressible = /\.(js|css|svg|html)$/

function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (compressible.test(name)) compress(path)
  }
}

function compress(path) {
  const raw = readFileSync(path)
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  })
  const gz = gzipSync(raw, { level: 9 })
  if (br.length < raw.length) writeFileSync(path + '.br', br)
  if (gz.length < raw.length) writeFileSync(path + '.gz', gz)
}

walk(root)
