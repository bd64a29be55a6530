package secretbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func newBox(t *testing.T, id string, seed byte) *Box {
	t.Helper()
	b, err := New(id, bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	b := newBox(t, "k1", 7)
	s, err := b.Seal([]byte("app-secret-123"), []byte("tenantA/wechat_app_secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Ciphertext, []byte("app-secret")) || bytes.Contains(s.WrappedKey, []byte("app-secret")) {
		t.Fatal("ciphertext contains plaintext")
	}
	got, err := b.Open(s, []byte("tenantA/wechat_app_secret"))
	if err != nil || string(got) != "app-secret-123" {
		t.Fatalf("open = %q, %v", got, err)
	}
	cases := []struct {
		name string
		box  *Box
		s    Sealed
		aad  string
	}{
		{"other tenant", b, s, "tenantB/wechat_app_secret"},
		{"other name", b, s, "tenantA/pay_api_v3_key"},
		{"other master key", newBox(t, "k1", 8), s, "tenantA/wechat_app_secret"},
		{"other key id", newBox(t, "k2", 7), s, "tenantA/wechat_app_secret"},
		{"tampered", b, Sealed{KeyID: s.KeyID, WrappedKey: s.WrappedKey, Ciphertext: flip(s.Ciphertext)}, "tenantA/wechat_app_secret"},
		{"truncated", b, Sealed{KeyID: s.KeyID, WrappedKey: s.WrappedKey[:5], Ciphertext: s.Ciphertext}, "tenantA/wechat_app_secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.box.Open(c.s, []byte(c.aad)); !errors.Is(err, ErrOpen) {
				t.Fatalf("want ErrOpen, got %v", err)
			}
		})
	}
}

func flip(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)-1] ^= 1
	return c
}

func TestSealIsRandomised(t *testing.T) {
	b := newBox(t, "k1", 7)
	s1, _ := b.Seal([]byte("x"), nil)
	s2, _ := b.Seal([]byte("x"), nil)
	if bytes.Equal(s1.Ciphertext, s2.Ciphertext) {
		t.Fatal("two seals of the same value are equal")
	}
	if b.Fingerprint([]byte("x")) != b.Fingerprint([]byte("x")) || b.Fingerprint([]byte("x")) == b.Fingerprint([]byte("y")) {
		t.Fatal("fingerprint not deterministic or not distinct")
	}
	if newBox(t, "k1", 8).Fingerprint([]byte("x")) == b.Fingerprint([]byte("x")) {
		t.Fatal("fingerprint does not depend on the master key")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2-very-secret")
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "s", s, "any", any(s))
	j, _ := json.Marshal(struct{ S Secret }{s})
	out := buf.String() + string(j) + fmt.Sprintf("%v %+v %#v %s", s, s, s, s)
	if strings.Contains(out, "hunter2") {
		t.Fatalf("secret leaked: %s", out)
	}
	if s.Reveal() != "hunter2-very-secret" {
		t.Fatal("reveal")
	}
}

func TestParseKey(t *testing.T) {
	if _, err := ParseKey("c2hvcnQ="); err == nil {
		t.Fatal("short key accepted")
	}
	if k, err := ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="); err != nil || len(k) != 32 {
		t.Fatal(err)
	}
}
