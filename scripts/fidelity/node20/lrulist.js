// An LRU cache as libraries write it: a Map from key to a node of a
// doubly linked list kept in recency order.  A hit unlinks its node and
// links it at the head; a miss makes a node at the head and, past the
// capacity, evicts the tail (unlinked, deleted from the Map).  Keys from
// a skewed stream (a small LCG: 3 of 4 lookups from 6000 hot keys, the
// rest from 300,000 cold ones), capacity 20,000.
const n = +process.argv[2] || 3000000, cap = 20000;
const map = new Map();
const head = { key: -1, value: null, prev: null, next: null };
head.prev = head.next = head;
let seed = 1, hits = 0;
function unlink(e) { e.prev.next = e.next; e.next.prev = e.prev; }
function linkFirst(e) { e.next = head.next; e.prev = head; head.next.prev = e; head.next = e; }
for (let i = 0; i < n; i++) {
  seed = (seed * 75 + 74) % 65537;
  const k = (seed & 3) ? seed % 6000 : 6000 + (seed * 7 + i) % 300000;
  let e = map.get(k);
  if (e !== undefined) {
    hits++;
    unlink(e);
    linkFirst(e);
  } else {
    e = { key: k, value: new Array(8).fill(i), prev: null, next: null };
    map.set(k, e);
    linkFirst(e);
    if (map.size > cap) { const t = head.prev; unlink(t); map.delete(t.key); }
  }
}
console.log(map.size, hits);
