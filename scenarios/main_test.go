package scenarios

import "flag"

// update rewrites the golden files and the committed JSON Schema from
// what the code produces: go test ./scenarios -update.
var update = flag.Bool("update", false, "rewrite golden files and "+
	"scenario.schema.json")
