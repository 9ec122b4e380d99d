package migrate

// BeginDelta is beginDelta, for the tests of which run a delta starts from.
var BeginDelta = beginDelta
