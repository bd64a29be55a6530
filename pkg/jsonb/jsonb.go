// Package jsonb stores a Go value as a JSON column (jsonb on PostgreSQL, TEXT
// on SQLite) through database/sql.
package jsonb

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSON wraps a value stored as JSON.
type JSON[T any] struct{ V T }

// Of wraps v.
func Of[T any](v T) JSON[T] { return JSON[T]{V: v} }

// Value implements driver.Valuer. The value is sent as text so both
// PostgreSQL (jsonb) and SQLite (TEXT) accept it.
func (j JSON[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (j *JSON[T]) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		var zero T
		j.V = zero
		return nil
	case string:
		return json.Unmarshal([]byte(s), &j.V)
	case []byte:
		return json.Unmarshal(s, &j.V)
	}
	return fmt.Errorf("jsonb: cannot scan %T", src)
}

// MarshalJSON encodes the wrapped value.
func (j JSON[T]) MarshalJSON() ([]byte, error) { return json.Marshal(j.V) }

// UnmarshalJSON decodes into the wrapped value.
func (j *JSON[T]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &j.V) }
