// An index with churn: a complete binary tree of 2^16 - 1 {l, r} nodes
// built once (long-lived: promoted), then n updates, each replacing a
// child of one of its 2^14 lowest inner nodes, picked by a linear
// congruential generator, with a fresh {l, r}: old nodes point at young
// ones, and the replaced leaves die young or, promoted, old.
const n = +process.argv[2] || 2000000;
function make(d) { return d === 0 ? { l: null, r: null } : { l: make(d - 1), r: make(d - 1) }; }
const root = make(15);
let x = 1;
for (let i = 0; i < n; i++) {
  x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
  let p = root;
  for (let d = 0; d < 14; d++) p = (x >> d) & 1 ? p.r : p.l;
  if ((x >> 20) & 1) p.r = { l: null, r: null }; else p.l = { l: null, r: null };
}
console.log(x);
