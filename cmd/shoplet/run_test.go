package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SHOPLET_DATA_DIR": dir, "SHOPLET_DATABASE_URL": "file:" + filepath.Join(dir, "cmd.db")}
	getenv := func(k string) string { return env[k] }
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "up"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "DEVELOPMENT MASTER KEY") {
		t.Fatalf("no loud warning about the generated master key:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "create", "--email", "Ops@Platform.example", "--password", "operator-pass"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "operator ops@platform.example created") {
		t.Fatalf("admin create: %s", out.String())
	}
	if err := run(ctx, []string{"admin", "create", "--email", "ops@platform.example", "--password", "operator-pass"}, getenv, &out); err == nil {
		t.Fatal("a second operator with the same email was created")
	}
	if err := run(ctx, []string{"admin", "create", "--email", "x@y.example", "--password", "short"}, getenv, &out); err == nil {
		t.Fatal("a short password was accepted")
	}
	if err := run(ctx, []string{"bogus"}, getenv, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
	out.Reset()
	if err := run(ctx, []string{"version"}, getenv, &out); err != nil || strings.TrimSpace(out.String()) == "" {
		t.Fatalf("version: %v %q", err, out.String())
	}
	t.Setenv("SHOPLET_ENV", "production")
	env["SHOPLET_ENV"] = "production"
	if err := run(ctx, []string{"migrate", "up"}, getenv, &out); err == nil || !strings.Contains(err.Error(), "SHOPLET_MASTER_KEY") {
		t.Fatalf("production without a master key: %v", err)
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	c := Config{DatabaseURL: "postgres://app:s3cret@db:5432/shoplet", RedisURL: "redis://:pw@redis:6379/0", MasterKey: "AAAA"}
	s := c.String()
	for _, leak := range []string{"s3cret", ":pw@", "AAAA"} {
		if strings.Contains(s, leak) {
			t.Fatalf("config string leaks %q: %s", leak, s)
		}
	}
}
