// spectral's conditional logic takes six functions from date-fns's index, which loads all of
// date-fns (some 250 modules). This module gives it those six, each from its own module; the
// bundle aliases "date-fns" to it. spectral is pinned, so the list cannot drift unseen.
exports.isAfter = require("date-fns/isAfter").isAfter;
exports.isBefore = require("date-fns/isBefore").isBefore;
exports.isEqual = require("date-fns/isEqual").isEqual;
exports.isValid = require("date-fns/isValid").isValid;
exports.parse = require("date-fns/parse").parse;
exports.parseISO = require("date-fns/parseISO").parseISO;
