// Package migrations holds Shoplet's versioned SQL schema, one folder per
// dialect, embedded into the binary. Schema changes happen only here.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
