// Closures in a loop: each iteration's request is captured by a callback
// (a JSFunction and the block's Context that holds `req`); every tenth
// callback is kept as a listener, the others are garbage at once.
const listeners = []; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  const req = { id: i, body: null };
  const cb = () => req.id;
  if (i % 10 === 0) listeners.push(cb);
}
console.log(listeners.length);
