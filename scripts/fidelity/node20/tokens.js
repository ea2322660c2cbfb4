// A FinalizationRegistry with unregister tokens: each of a million
// connections is registered with itself as the token, and the nine of ten
// that close are unregistered at once; every tenth stays open.
const reg = new FinalizationRegistry(() => {}); const open = []; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) {
  const conn = { id: i, socket: null };
  reg.register(conn, i, conn);
  if (i % 10 === 0) open.push(conn); else reg.unregister(conn);
}
console.log(open.length);
