// Immutable updates, as a reducer makes them: an eight-field state object
// copied by object spread with one field changed, three million times;
// every tenth state kept in a ring of 50,000 (an undo history), so a kept
// state lives 500,000 updates.  V8's CloneObjectIC copies the state's map:
// four in-object fields (56 bytes) and a PropertyArray for the other four
// (64 bytes, `v8.writeHeapSnapshot()`); no allocation site, no memento.
let state = { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0, g: 0, n: 0 };
const n = +process.argv[2] || 3000000; const K = 50000;
const history = new Array(K).fill(null);
for (let i = 0; i < n; i++) {
  state = { ...state, n: i };
  if (i % 10 === 0) history[(i / 10) % K] = state;
}
console.log(state.n, history[0].n);
