// Batches that are built and dropped: each of 10 rounds builds a list of
// 1000000 {next, v} (40 MB, all of it survives its Scavenges and is
// promoted), walks it, then drops it for the next round's: old space fills
// with dead lists, and Mark-Compacts reclaim them.
const rounds = +process.argv[2] || 10; let total = 0;
for (let r = 0; r < rounds; r++) {
  let head = null;
  for (let i = 0; i < 1000000; i++) head = { next: head, v: null };
  for (let p = head; p; p = p.next) total++;
}
console.log(total);
