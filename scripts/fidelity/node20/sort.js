// Sorting a large array again and again.  V8's Array.prototype.sort
// (TimSort, third_party/v8/builtins/array-sort.tq) copies the elements
// into a work array first -- 100,000 pointers, an 800 KB FixedArray, a
// young large object -- sorts it and copies it back; the input after
// reverse() is one descending run, which TimSort reverses in place, so
// no merge needs a temporary array.  The records themselves are made
// once.
const N = 100000; const a = [];
for (let i = 0; i < N; i++) a.push({k: (i * 7919) % N});
const rounds = +process.argv[2] || 300;
for (let r = 0; r < rounds; r++) { a.sort((x, y) => x.k - y.k); a.reverse(); }
console.log(a[0].k, a[N - 1].k);
