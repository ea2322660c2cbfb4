// grow.js's list made of two-element array literals: each node is
// [next, null], a JSArray made at the literal's allocation site and its
// own two-element FixedArray (not copy-on-write: `head` is not a constant).
let head = null; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) head = [head, null];
let c = 0; for (let p = head; p; p = p[0]) c++;
console.log(c);
