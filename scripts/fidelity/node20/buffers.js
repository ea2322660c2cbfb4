// Buffers: n Buffer.alloc(65536) in a loop, every 16th kept in an array.
// Each Buffer is two small heap objects (a 96-byte FastBuffer, a
// Uint8Array, over an 88-byte JSArrayBuffer) and 64 KiB outside the heap
// (the ArrayBuffer's backing store): the heap hardly grows, and V8's GCs
// come from its external-memory rules -- a Scavenge when the young
// ArrayBuffers' stores reach 32 MB, incremental marking when the external
// bytes pass the last full GC's by 64 MB.
const n = +process.argv[2] || 20000, keep = [];
for (let i = 0; i < n; i++) {
  const b = Buffer.alloc(65536);
  b[0] = i & 255;
  if (i % 16 === 0) keep.push(b);
}
console.log(keep.length);
