// A string grown by concatenation: s += 'ab', a million times.  Past 12
// characters each += makes a ConsString whose first part is the string so
// far and whose second is the literal, so s is a chain of a million
// ConsStrings, all alive, none flattened (s.length reads no characters).
let s = ''; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) s += 'ab';
console.log(s.length);
