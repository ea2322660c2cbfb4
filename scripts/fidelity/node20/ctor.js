// grow.js's linked list, its nodes made by a class constructor instead of
// an object literal: `new` has no allocation site (no mementos, no
// pretenuring), so every node is copied and promoted by age alone.
class Node { constructor(next, v) { this.next = next; this.v = v; } }
let head = null; const n = +process.argv[2] || 1000000;
for (let i = 0; i < n; i++) head = new Node(head, null);
let c = 0; for (let p = head; p; p = p.next) c++;
console.log(c);
