// Large arrays with churn: n arrays of 30000 elements each (a 240 KB
// backing store: a large object), the newest 10 kept in a ring, the older
// ones garbage.
const n = +process.argv[2] || 4000; const ring = new Array(10).fill(null);
for (let i = 0; i < n; i++) ring[i % 10] = new Array(30000).fill(i & 1023);
console.log(ring.length);
