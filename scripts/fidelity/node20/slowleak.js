// A slow leak to out of memory under --max-old-space-size=16: every
// iteration allocates 4 temporaries and every 2nd keeps one {a, b}.
const keep = []; const n = +process.argv[2] || 1e8;
for (let i = 0; i < n; i++) {
  let t = null;
  for (let j = 0; j < 4; j++) t = { a: t, b: null };
  if (i % 2 === 0) keep.push({ a: null, b: null });
}
console.log(keep.length);
