// object-sizeof (a spectral dependency) asks for the npm `buffer` polyfill, which it uses only
// in a browser. In Node this module hands it Node's own Buffer instead of bundling the polyfill.
module.exports = require("node:buffer");
