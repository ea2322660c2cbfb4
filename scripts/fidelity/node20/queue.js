// A FIFO queue as a linked list: n jobs {id, next} appended at the tail,
// the oldest dropped from the head once K = 200,000 are queued.  Every
// job lives exactly K appends (8 MB of allocation): it outlives a Scavenge
// or two, and the only reference to each new job is its predecessor's
// `next`, an old object's once the predecessor is promoted.
const n = +process.argv[2] || 3000000, K = 200000;
let head = null, tail = null, len = 0;
for (let i = 0; i < n; i++) {
  const job = { id: i, next: null };
  if (tail === null) head = job; else tail.next = job;
  tail = job;
  if (++len > K) { head = head.next; len--; }
}
console.log(len, head.id, tail.id);
