// Explicit collections in a loop that grows: 2e6 {a, b} objects, every
// 50th kept in an array, and gc() (--expose-gc) every 200000 iterations,
// as test and benchmark harnesses call it.
const keep = []; const n = +process.argv[2] || 2000000;
for (let i = 0; i < n; i++) {
  const o = { a: i, b: null };
  if (i % 50 === 0) keep.push(o);
  if (i % 200000 === 199999) gc();
}
console.log(keep.length);
