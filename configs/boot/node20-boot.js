require('v8').writeHeapSnapshot('node20-boot.heapsnapshot'); // node20-boot.js: see README.md
