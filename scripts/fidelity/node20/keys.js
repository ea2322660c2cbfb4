// Strings made by concatenation, every fourth kept: `'key' + i` makes i's
// decimal string (V8's NumberToString, through its number-string cache)
// and a flat one-byte string of both (shorter than a ConsString's 13
// characters); no allocation site, no object but strings and the array.
const n = +process.argv[2] || 2000000; const keep = [];
for (let i = 0; i < n; i++) { const s = 'key' + i; if ((i & 3) === 0) keep.push(s); }
console.log(keep.length);
