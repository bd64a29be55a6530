package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shoplet/shoplet/templates"
	"github.com/shoplet/shoplet/tenant/miniapp"
)

// miniappCmd writes a generated mini-program project to a folder, for brands
// that upload with WeChat's own tools and for the offline validation in CI.
const miniappSynopsis = "miniapp generate --out DIR --app-id wx… --name N --store ID --api URL [--mode platform|own] [flags]"

func miniappCmd(args []string, stdout io.Writer) error {
	fs := newCommand("miniapp generate", miniappSynopsis, stdout)
	out := fs.String("out", "", "folder to write the project to")
	var b miniapp.Brand
	fs.StringVar(&b.AppID, "app-id", "", "the brand's mini-program appid")
	fs.StringVar(&b.Name, "name", "", "the brand's name")
	fs.StringVar(&b.StoreID, "store", "", "the store id")
	fs.StringVar(&b.APIBase, "api", "", "the shop API base URL")
	fs.StringVar(&b.Theme.Primary, "primary", "", "primary colour")
	fs.StringVar(&b.Theme.Background, "background", "", "page background colour")
	fs.StringVar(&b.Theme.NavBar, "nav-bar", "", "navigation bar colour")
	fs.StringVar(&b.Theme.NavText, "nav-text", "", "navigation bar text: black or white")
	tabs := fs.String("tabs", "", "tab bar, e.g. home,cart,user")
	fs.BoolVar(&b.Cart, "cart", true, "the cart feature")
	fs.StringVar(&b.Mode, "mode", miniapp.ModePlatform, "platform (ext.json, committed through the third-party platform) or own (binding baked in, uploaded by the brand)")
	subscribe := fs.String("subscribe", "", "subscribe-message template ids asked for at payment, comma-separated")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	if *tabs != "" {
		b.Tabs = strings.Split(*tabs, ",")
	}
	if *subscribe != "" {
		b.SubscribeTemplates = strings.Split(*subscribe, ",")
	}
	res, err := miniapp.Generate(templates.Storefront(), b)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(res.Files))
	for n := range res.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(*out, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, res.Files[n], 0o644); err != nil {
			return err
		}
	}
	for _, p := range res.Packages {
		fmt.Fprintf(stdout, "package %-6s %8d bytes\n", p.Name, p.Bytes)
	}
	if res.Mode == miniapp.ModeOwn {
		fmt.Fprintln(stdout, "mode own: the binding is baked into utils/config.js; upload this folder with WeChat's developer tools")
	} else {
		fmt.Fprintln(stdout, "mode platform: ext.json carries the binding; this package is the third-party platform's code template")
	}
	fmt.Fprintf(stdout, "%d files written to %s (sha256 of the zip %s)\n", len(names), *out, res.SHA256)
	return nil
}
