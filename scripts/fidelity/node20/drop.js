// A big working set dropped: 2.5e6 {a, b} kept in an array (100 MB), the
// array dropped, then 5e6 short-lived {a, b}: how old space grows while
// the set is built, and what a program that then only makes garbage
// young leaves behind.
let big = []; const n = +process.argv[2] || 2500000;
for (let i = 0; i < n; i++) big.push({ a: i, b: null });
console.log(big.length); big = null;
let t = null;
for (let i = 0; i < 2 * n; i++) t = { a: i, b: t === null ? null : null };
console.log(t.a);
