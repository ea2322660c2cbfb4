// A binary search tree of n nodes with pseudo-random keys (MINSTD, exact in
// doubles and in Lua integers): each node a literal {k, l, r} made before
// the walk down the tree, then stored into an older node's l or r -- a
// store from an old object to a new one once the tree is promoted.
const n = +process.argv[2] || 1000000;
const root = { k: 1073741823, l: null, r: null };
let x = 1;
for (let i = 0; i < n; i++) {
  x = (x * 48271) % 2147483647;
  const node = { k: x, l: null, r: null };
  let p = root;
  for (;;) {
    if (x < p.k) { if (p.l === null) { p.l = node; break; } p = p.l; }
    else { if (p.r === null) { p.r = node; break; } p = p.r; }
  }
}
let c = 0; const stack = [root];
while (stack.length) { const p = stack.pop(); c++; if (p.l) stack.push(p.l); if (p.r) stack.push(p.r); }
console.log(c);
