// Package webadmin embeds the built web console so `shoplet serve` serves it
// from the same binary and port as the API.
package webadmin

import (
	"embed"
	"io/fs"
)

//go:embed all:public
var files embed.FS

// FS returns the console's files, index.html at the root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "public")
	if err != nil {
		panic(err)
	}
	return sub
}
