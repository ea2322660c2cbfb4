// Mid-life objects at the maximum semispace: a ring of 200000 {k, v}
// slots, each overwritten every 200000 iterations, so about 8 MB of
// 40-byte objects are alive at any time -- half of a 16 MiB semispace --
// and each dies 200000 allocations after it was made.
const n = +process.argv[2] || 3000000; const ring = new Array(200000).fill(null);
for (let i = 0; i < n; i++) ring[i % 200000] = { k: i, v: null };
console.log(ring.length);
