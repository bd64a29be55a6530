// Package webadmin embeds the web console so `shoplet serve` serves it from the
// same binary and port as the API. `make console` (part of `make run`) builds
// it into dist/; a binary built without it serves public/, a page that says so.
package webadmin

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var built embed.FS

//go:embed all:public
var placeholder embed.FS

// FS returns the console's files, index.html at the root.
func FS() fs.FS {
	if _, err := fs.Stat(built, "dist/index.html"); err == nil {
		sub, _ := fs.Sub(built, "dist")
		return sub
	}
	sub, _ := fs.Sub(placeholder, "public")
	return sub
}
