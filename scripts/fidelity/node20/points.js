// An array of points with double coordinates, every point kept: each a
// literal {x, y} whose two fields hold doubles that are never integers
// (in V8 each field a double field, its value in a HeapNumber box), pushed
// into one growing array.
const n = +process.argv[2] || 1000000;
const pts = [];
for (let i = 0; i < n; i++) pts.push({ x: i + 0.5, y: (i + 0.5) * 0.25 });
console.log(pts.length);
