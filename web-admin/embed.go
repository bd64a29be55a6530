// Package webadmin embeds the web console so `shoplet serve` serves it from the
// same binary and port as the API. `make console` (part of `make run`) builds
// it into public/app; a binary built without it serves public/index.html, a
// page that says so.
package webadmin

import (
	"embed"
	"io/fs"
)

//go:embed all:public
var files embed.FS

// FS returns the console's files, index.html at the root.
func FS() fs.FS {
	if _, err := fs.Stat(files, "public/app/index.html"); err == nil {
		sub, _ := fs.Sub(files, "public/app")
		return sub
	}
	sub, _ := fs.Sub(files, "public")
	return sub
}
