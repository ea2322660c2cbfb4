// An object used as a hash map: a session table keyed by 's' + id, a
// million sessions added, each deleted a thousand later.  The deletes turn
// the object into dictionary mode (a NameDictionary), and every key
// becomes an internalized string, copied into old space (V8 does not
// internalize a young string in place) and dropped from the string table
// by the Mark-Compact after its delete.
const table = {};
const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  table['s' + i] = { id: i };
  if (i >= 1000) delete table['s' + (i - 1000)];
}
console.log(Object.keys(table).length);
