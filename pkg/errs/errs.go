// Package errs defines Shoplet's small, fixed set of error kinds. Every layer
// returns these; only the HTTP layer maps a kind to a status code, in one table.
package errs

import (
	"errors"
	"fmt"
)

// Kind is one of a fixed set. Stable: the console uses kinds and codes as
// translation keys.
type Kind string

const (
	Invalid         Kind = "invalid"
	Unauthenticated Kind = "unauthenticated"
	Forbidden       Kind = "forbidden"
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	RateLimited     Kind = "rate_limited"
	TooLarge        Kind = "too_large"
	Internal        Kind = "internal"
)

// FieldError names one rejected input field and says what would be accepted.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the error type every Shoplet package returns for expected failures.
// Code is a stable machine-readable reason (e.g. "slug_taken"); Message is for
// people. Internal errors keep their cause for logs and never show it.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter is set for RateLimited, in seconds.
	RetryAfter int
	cause      error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.cause)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.cause }

// E builds an error of kind k with a stable code and a message.
func E(k Kind, code, msg string) *Error { return &Error{Kind: k, Code: code, Message: msg} }

// Wrap marks err as internal. The cause is logged, never returned to a client.
func Wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: Internal, Code: "internal", Message: msg, cause: err}
}

// NotFoundf is the answer for a missing object and for another tenant's object:
// the two must be indistinguishable.
func NotFoundf(what string) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Message: what + " not found"}
}

// KindOf reports the kind of err; errors that are not *Error are internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Fields collects validation failures and turns them into one Invalid error.
type Fields struct{ list []FieldError }

// Add records that field is invalid.
func (f *Fields) Add(field, code, msg string) { f.list = append(f.list, FieldError{field, code, msg}) }

// Required adds a "required" error when v is empty.
func (f *Fields) Required(field, v string) bool {
	if v == "" {
		f.Add(field, "required", "is required")
		return false
	}
	return true
}

// MaxLen adds a "too_long" error when v has more than n characters.
func (f *Fields) MaxLen(field, v string, n int) bool {
	if len([]rune(v)) > n {
		f.Add(field, "too_long", fmt.Sprintf("must be at most %d characters", n))
		return false
	}
	return true
}

// Empty reports whether nothing was added.
func (f *Fields) Empty() bool { return len(f.list) == 0 }

// Err returns nil when nothing was added, else one Invalid error listing every field.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "invalid_input", Message: "some fields are invalid", Fields: f.list}
}

// Field returns an Invalid error for a single field.
func Field(field, code, msg string) *Error {
	return &Error{Kind: Invalid, Code: "invalid_input", Message: "some fields are invalid",
		Fields: []FieldError{{field, code, msg}}}
}
