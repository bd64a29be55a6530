// Package templates embeds the storefront mini-program template that every
// brand's mini-program is generated from (tenant/miniapp).
package templates

import (
	"embed"
	"io/fs"
)

//go:embed storefront
var files embed.FS

// Storefront returns the template's files, app.json at the root.
func Storefront() fs.FS {
	sub, err := fs.Sub(files, "storefront")
	if err != nil {
		panic(err)
	}
	return sub
}
