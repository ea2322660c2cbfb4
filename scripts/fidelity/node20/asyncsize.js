// dev-only: new-space bytes an iteration of async.js's loop, measured over
// windows of 500 iterations with no GC inside (a window a GC falls in is
// negative and dropped)
const v8 = require('v8');
function used() { return v8.getHeapSpaceStatistics()[1].space_used_size; }
async function fetchItem(i) { return {id: i, ok: true}; }
async function main(n, from) {
  const keep = []; const r = [];
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (i >= from && i % 5000 === 0) last = used();
    if (i >= from && i % 5000 === 500) { const d = (used() - last) / 500; if (d > 0) r.push(d); }
    const item = await fetchItem(i); if (i % 20 === 0) keep.push(item);
  }
  r.sort((a, b) => a - b);
  console.log(v8.getHeapSpaceStatistics()[1].space_name, 'from', from, 'windows', r.length, 'median', r[r.length >> 1], 'min', r[0], 'max', r[r.length - 1]);
}
main(+process.argv[2] || 1000000, +process.argv[3] || 100000);
