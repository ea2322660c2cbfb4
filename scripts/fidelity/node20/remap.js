// An array of 100000 {i, next} objects replaced by arr.map() each round:
// every round a new 100000-element array (a large object, allocated young)
// filled with new objects, the previous array and its objects garbage.
let arr = Array.from({ length: 100000 }, (_, i) => ({ i, next: null }));
const rounds = +process.argv[2] || 30;
for (let r = 0; r < rounds; r++) arr = arr.map(o => ({ i: o.i + 1, next: null }));
console.log(arr[5].i);
