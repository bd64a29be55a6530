// Package secretbox seals small secrets (app secrets, pay keys, refresh tokens)
// with envelope encryption: each value gets its own AES-256-GCM data key, and
// the data key is wrapped by the master key from configuration.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
)

// Sealed is what is stored. None of it reveals the value without the master key.
type Sealed struct {
	KeyID      string // which master key wrapped the data key (for rotation)
	WrappedKey []byte // nonce || AES-GCM(master, dataKey)
	Ciphertext []byte // nonce || AES-GCM(dataKey, value)
}

// Box seals and opens values. Safe for concurrent use.
type Box struct {
	keyID  string
	master cipher.AEAD
	fpKey  []byte
}

// ErrOpen is returned when a value cannot be opened: wrong key, tampered
// ciphertext, or a ciphertext moved to another tenant or name (the AAD differs).
var ErrOpen = errors.New("secretbox: cannot open sealed value")

// New returns a Box for a 32-byte master key. keyID names the key in stored rows.
func New(keyID string, masterKey []byte) (*Box, error) {
	if len(masterKey) != 32 {
		return nil, fmt.Errorf("secretbox: master key must be 32 bytes, got %d", len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The fingerprint key is derived, so fingerprints cannot be brute-forced
	// from a database dump alone (an app secret has little entropy).
	mac := hmac.New(sha256.New, masterKey)
	mac.Write([]byte("shoplet fingerprint v1"))
	return &Box{keyID: keyID, master: aead, fpKey: mac.Sum(nil)}, nil
}

// ParseKey decodes a base64 (std or url) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("master key must be 32 bytes, base64-encoded")
}

// Seal encrypts value. aad binds the ciphertext to its owner (tenant and name):
// a row copied to another tenant will not open.
func (b *Box) Seal(value, aad []byte) (Sealed, error) {
	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		return Sealed{}, err
	}
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return Sealed{}, err
	}
	inner, err := cipher.NewGCM(block)
	if err != nil {
		return Sealed{}, err
	}
	ct := sealWith(inner, value, aad)
	wrapped := sealWith(b.master, dataKey, aad)
	clear(dataKey)
	return Sealed{KeyID: b.keyID, WrappedKey: wrapped, Ciphertext: ct}, nil
}

// Open decrypts s with the same aad it was sealed with.
func (b *Box) Open(s Sealed, aad []byte) ([]byte, error) {
	if s.KeyID != b.keyID {
		return nil, fmt.Errorf("%w: sealed under key %q, have %q", ErrOpen, s.KeyID, b.keyID)
	}
	dataKey, err := openWith(b.master, s.WrappedKey, aad)
	if err != nil {
		return nil, ErrOpen
	}
	defer clear(dataKey)
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, ErrOpen
	}
	inner, err := cipher.NewGCM(block)
	if err != nil {
		return nil, ErrOpen
	}
	v, err := openWith(inner, s.Ciphertext, aad)
	if err != nil {
		return nil, ErrOpen
	}
	return v, nil
}

// Fingerprint is a short keyed hash that lets a person check which value is
// set without the value ever leaving the server.
func (b *Box) Fingerprint(value []byte) string {
	mac := hmac.New(sha256.New, b.fpKey)
	mac.Write(value)
	return hex.EncodeToString(mac.Sum(nil))[:16]
}

func sealWith(a cipher.AEAD, plain, aad []byte) []byte {
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return a.Seal(nonce, nonce, plain, aad)
}

func openWith(a cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < a.NonceSize() {
		return nil, ErrOpen
	}
	return a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], aad)
}

// Secret holds a plaintext secret in memory. It refuses to be printed,
// logged or marshalled, so a stray log line or response cannot leak it.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the plaintext. Call it only where the value is sent to WeChat.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no value is held.
func (s Secret) IsZero() bool { return s.v == "" }

func (Secret) String() string               { return "[redacted]" }
func (Secret) GoString() string             { return "[redacted]" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }
func (s Secret) Format(f fmt.State, _ rune) { f.Write([]byte("[redacted]")) }
