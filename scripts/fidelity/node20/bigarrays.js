// Arrays that grow past the large-object threshold: 12 rounds of pushing
// 100000 {a, b} objects into a fresh array (its elements grow by
// old + old/2 + 16 and pass 128 KiB after ~16000 elements, then live in
// large-object space), the array of the previous round dropped.
let arr = null; const rounds = +process.argv[2] || 12;
for (let r = 0; r < rounds; r++) {
  arr = [];
  for (let i = 0; i < 100000; i++) arr.push({ a: i, b: null });
}
console.log(arr.length);
