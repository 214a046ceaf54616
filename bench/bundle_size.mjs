// The production bundle after `npm run build`: raw and gzip bytes per chunk of
// frontend/dist/assets, and the totals (what the browser downloads, before caching).
//   node bench/bundle_size.mjs [--json]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const assets = fileURLToPath(new URL('../frontend/dist/assets', import.meta.url));

export function bundleSizes(dir = assets) {
  return readdirSync(dir)
    .filter((f) => /\.(js|css)$/.test(f))
    .map((file) => {
      const bytes = readFileSync(join(dir, file));
      return { file, raw: statSync(join(dir, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
    })
    .sort((a, b) => b.raw - a.raw);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = bundleSizes();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows));
  } else {
    console.log(`${'chunk'.padEnd(44)}${'raw'.padStart(11)}${'gzip'.padStart(11)}`);
    for (const r of rows) console.log(`${r.file.padEnd(44)}${kb(r.raw)}${kb(r.gzip)}`);
    const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
    console.log(`${'total'.padEnd(44)}${kb(total.raw)}${kb(total.gzip)}`);
  }
}
