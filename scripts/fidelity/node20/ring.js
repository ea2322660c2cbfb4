// A steady working set near the heap limit: a ring of 400,000 records,
// each replaced by a new one in turn, round after round (run with
// --max-old-space-size=64): every record lives one round, so the old
// generation holds about 42 MB of live records and fills with the
// previous round's.
const N = 400000; const ring = new Array(N).fill(null); const rounds = +process.argv[2] || 10;
for (let r = 0; r < rounds; r++)
  for (let i = 0; i < N; i++) ring[i] = { a: r, b: i, c: null, d: null, e: null, f: null, g: null, h: null, k: null, l: null };
console.log(ring.length);
