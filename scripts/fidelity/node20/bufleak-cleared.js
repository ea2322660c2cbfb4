// bufleak.js with its local cleared: `a = null` at the end of the loop
// body, so the register that held `a` no longer holds the previous
// iteration's array while the next one is allocated.  Evidence only (no
// replay): its nvp's `promoted=` counts exactly the kept arrays, where
// bufleak.js's count one more per Scavenge.
const keep = []; const n = +process.argv[2] || 1e6;
for (let i = 0; i < n; i++) {
  let a = new Array(20000).fill(0);
  if (i % 4 === 0) keep.push(a);
  a = null;
}
console.log(keep.length);
