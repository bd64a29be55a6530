// Package ids makes identifiers that are not guessable yet sort by creation
// time (UUIDv7: 48-bit millisecond clock, 74 random bits), which keeps
// B-tree inserts local and lets "newest first" be "id descending".
package ids

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/google/uuid"
)

// New returns a new UUIDv7 string.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether s is a canonical UUID string. Handlers check it before
// querying, so a malformed id is a plain 404 on every database.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Token returns n random bytes, base64url-encoded: for session and invite tokens.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
