// The classic sliced-string leak: each iteration builds a 64 KB string,
// keeps a 20-character slice of it, and drops the string -- but a slice
// of 13 or more characters is a SlicedString pointing into its parent,
// so every kept slice keeps its 64 KB parent alive (run with
// --max-old-space-size=32: out of memory after about 500 slices).
const n = +process.argv[2] || 100000; const keep = [];
for (let i = 0; i < n; i++) {
  const big = ('record ' + i + ';').padEnd(65536, '.');
  keep.push(big.slice(0, 20));
}
console.log(keep.length);
