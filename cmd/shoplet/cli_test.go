package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoplet/shoplet/pkg/mail/mailtest"
)

func TestCommandLine(t *testing.T) {
	getenv := func(string) string { return "" }
	cases := []struct {
		name string
		args []string
		code int
		out  string // in stdout (help) or the error
	}{
		{"no command prints usage", nil, 0, "Usage:"},
		{"help", []string{"help"}, 0, "shoplet serve"},
		{"--help", []string{"--help"}, 0, "shoplet health"},
		{"unknown command", []string{"bogus"}, 2, `unknown command "bogus"`},
		{"version --bogus", []string{"version", "--bogus"}, 2, "-bogus"},
		{"version extra", []string{"version", "now"}, 2, `unexpected argument "now"`},
		{"version --help", []string{"version", "--help"}, 0, "Usage: shoplet version"},
		{"serve --port is not a flag", []string{"serve", "--port", "9999"}, 2, "-port"},
		{"serve extra argument", []string{"serve", "0.0.0.0:1"}, 2, `unexpected argument "0.0.0.0:1"`},
		{"serve --help", []string{"serve", "--help"}, 0, "-addr"},
		{"serve -h", []string{"serve", "-h"}, 0, "-addr"},
		{"worker --help", []string{"worker", "--help"}, 0, "Usage: shoplet worker"},
		{"worker --bogus", []string{"worker", "--bogus"}, 2, "-bogus"},
		{"migrate alone", []string{"migrate"}, 2, "usage: shoplet migrate up"},
		{"migrate down", []string{"migrate", "down"}, 2, "usage: shoplet migrate up"},
		{"migrate --help", []string{"migrate", "--help"}, 0, "Usage: shoplet migrate up"},
		{"migrate up --help", []string{"migrate", "up", "--help"}, 0, "Usage: shoplet migrate up"},
		{"migrate up --force", []string{"migrate", "up", "--force"}, 2, "-force"},
		{"admin --help", []string{"admin", "--help"}, 0, "admin create --email"},
		{"admin create --help", []string{"admin", "create", "--help"}, 0, "-password"},
		{"admin delete", []string{"admin", "delete"}, 2, "usage: shoplet admin create"},
		{"admin create without email", []string{"admin", "create"}, 2, "--email"},
		{"admin create --role", []string{"admin", "create", "--email", "a@b.example", "--password", "0123456789", "--role", "x"}, 2, "-role"},
		{"admin create stray argument", []string{"admin", "create", "--email", "a@b.example", "extra"}, 2, `unexpected argument "extra"`},
		{"miniapp generate --help", []string{"miniapp", "generate", "--help"}, 0, "-app-id"},
		{"miniapp --help", []string{"miniapp", "--help"}, 0, "miniapp generate"},
		{"miniapp generate without --out", []string{"miniapp", "generate"}, 2, "--out is required"},
		{"miniapp generate --colour", []string{"miniapp", "generate", "--out", "x", "--colour", "red"}, 2, "-colour"},
		{"health --help", []string{"health", "--help"}, 0, "-worker"},
		{"health --bogus", []string{"health", "--bogus"}, 2, "-bogus"},
		{"health with nothing listening", []string{"health", "--url", "http://127.0.0.1:1/readyz"}, 1, "not ready"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), c.args, getenv, &out)
			if got := exitCode(err); got != c.code {
				t.Fatalf("exit %d, want %d (err %v, out %q)", got, c.code, err, out.String())
			}
			text := out.String()
			if err != nil {
				text = err.Error()
			}
			if !strings.Contains(text, c.out) {
				t.Fatalf("%q does not say %q", text, c.out)
			}
		})
	}
}

func TestServeAddrAndHealth(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sink := mailtest.Start(t)
	env := map[string]string{"SHOPLET_DATA_DIR": dir, "SHOPLET_DATABASE_URL": "file:" + filepath.Join(dir, "serve.db"),
		"SHOPLET_ADDR":      "127.0.0.1:1", // --addr must win over the environment
		"SHOPLET_SMTP_HOST": "127.0.0.1", "SHOPLET_SMTP_PORT": fmt.Sprint(sink.Port()), "SHOPLET_SMTP_SECURITY": "none",
		"SHOPLET_MAIL_FROM": "Shoplet <no-reply@shop.example>"}
	getenv := func(k string) string { return env[k] }
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out syncBuffer
	go func() { done <- run(ctx, []string{"serve", "--addr", addr}, getenv, &out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var hout bytes.Buffer
	deadline := time.Now().Add(30 * time.Second)
	for {
		hout.Reset()
		err = run(context.Background(), []string{"health", "--url", "http://" + addr + "/readyz"}, getenv, &hout)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("health on --addr %s: %v\n%s", addr, err, out.String())
	}
	if !strings.Contains(hout.String(), `"ready":true`) {
		t.Fatalf("health printed %q", hout.String())
	}
	// Mail goes out through SMTP as configured, with a link to the server.
	post := func(path, body string) {
		t.Helper()
		res, err := http.Post("http://"+addr+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
	post("/api/v1/auth/signup", `{"email":"owner@serve.example","password":"a-long-password"}`)
	post("/api/v1/auth/password-reset", `{"email":"owner@serve.example"}`)
	for deadline := time.Now().Add(10 * time.Second); len(sink.Received()) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if got := sink.Received(); len(got) != 1 || got[0].To[0] != "owner@serve.example" ||
		!strings.Contains(got[0].Body(), "http://"+addr+"/reset/confirm?token=") {
		t.Fatalf("the SMTP server received %+v", got)
	}
	// Without --url, health dials SHOPLET_ADDR: 0.0.0.0 becomes loopback.
	_, port, _ := net.SplitHostPort(addr)
	env["SHOPLET_ADDR"] = "0.0.0.0:" + port
	t.Setenv("SHOPLET_ADDR", env["SHOPLET_ADDR"])
	if err := run(context.Background(), []string{"health"}, getenv, &hout); err != nil {
		t.Fatalf("health from SHOPLET_ADDR=0.0.0.0:%s: %v", port, err)
	}
	env["SHOPLET_ADDR"] = "127.0.0.1:1"
	t.Setenv("SHOPLET_ADDR", env["SHOPLET_ADDR"])
	if err := run(context.Background(), []string{"health"}, getenv, &hout); exitCode(err) != 1 {
		t.Fatalf("health against a closed port: %v", err)
	}
	if !strings.Contains(out.String(), "Shoplet is running at http://"+addr) {
		t.Fatalf("serve did not say where it listens:\n%s", out.String())
	}
}

func TestProductionNeedsPublicURLs(t *testing.T) {
	cases := []struct {
		base, public string
		want         string // "" accepted
	}{
		{"", "", "SHOPLET_BASE_URL is required"},
		{"http://0.0.0.0:8080", "", "not reachable"},
		{"http://localhost:8080", "https://pay.example.com", "not reachable"},
		{"http://127.0.0.1", "https://pay.example.com", "not reachable"},
		{"https://[::]:8443", "https://pay.example.com", "not reachable"},
		{"shop.example.com", "", "want an http(s) URL"},
		{"http://shop.example.com", "", "https"}, // the notify URL defaults to the base URL
		{"https://shop.example.com", "http://shop.example.com", "https"},
		{"https://shop.example.com", "https://127.0.0.1", "not reachable"},
		{"https://shop.example.com", "", ""},
		{"http://console.example.com", "https://pay.example.com", ""},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s|%s", c.base, c.public), func(t *testing.T) {
			err := checkProduction(Config{Env: "production", BaseURL: c.base, PublicURL: c.public, SMTPHost: "smtp.example.com"})
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
	if err := checkProduction(Config{Env: "development"}); err != nil {
		t.Fatalf("development needs no public URL: %v", err)
	}
	if err := checkProduction(Config{Env: "production", BaseURL: "https://shop.example.com"}); err == nil || !strings.Contains(err.Error(), "SHOPLET_SMTP_HOST") {
		t.Fatalf("production without SMTP: %v", err)
	}
	// serve refuses before opening anything.
	env := map[string]string{"SHOPLET_ENV": "production", "SHOPLET_ADDR": "0.0.0.0:8080", "SHOPLET_SMTP_HOST": "smtp.example.com"}
	for k, v := range env {
		t.Setenv(k, v)
	}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "SHOPLET_BASE_URL") {
		t.Fatalf("production serve without a public URL: %v", err)
	}
}

// syncBuffer is a bytes.Buffer that the server's log flusher and the test
// may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
