// Strings made from numbers, every one kept: 'user-' + i for n values of
// i, pushed into one growing array.  No literal, so no allocation site:
// the strings are never pretenured and every one is promoted by the
// Scavenges.
const n = +process.argv[2] || 1000000;
const names = [];
for (let i = 0; i < n; i++) names.push('user-' + i);
console.log(names.length);
