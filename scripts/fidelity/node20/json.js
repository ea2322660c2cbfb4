// JSON.parse of one small document, a million times, every 8th result kept
// in a ring of 2000 (each kept result lives for 16,000 parses): a server
// decoding request bodies and caching a few.
const doc = '{"id":1,"name":"widget","tags":["red","green","blue"],"price":12.5,"dims":{"w":10,"h":20}}';
const n = +process.argv[2] || 1000000; const ring = new Array(2000);
for (let i = 0; i < n; i++) { const o = JSON.parse(doc); if ((i & 7) === 0) ring[(i >> 3) % 2000] = o; }
console.log(ring.length);
