/** Targets as checks: a measured value, its limit, PASS or FAIL. */
function atMost(what, value, limit, unit = "x") {
  return { what, value, limit, unit, pass: Number.isFinite(value) && value <= limit };
}
module.exports = { atMost };
