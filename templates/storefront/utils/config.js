// The brand's binding for a package the brand uploads itself (mode "own"),
// written by the generator; null in the platform's code template, whose
// brand comes from ext.json.
module.exports = null
