// One array grown by push to n Smis: its backing store (a FixedArray)
// is copied into one half again as large (+16) at each growth, so the
// program allocates only backing stores, the large ones as large objects.
const a = []; const n = +process.argv[2] || 10000000;
for (let i = 0; i < n; i++) a.push(i);
console.log(a.length);
