// Package api is Shoplet's HTTP surface: the console API, the platform
// operator API, health and metrics, and the OpenAPI document generated from the
// same route table that registers the handlers. *gin.Context stops here.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[errs.Kind]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Internal:        http.StatusInternalServerError,
}

// ErrorBody is the one JSON error shape of every endpoint.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code, a message for people, the fields at
// fault, and the request id to quote to support.
type ErrorDetail struct {
	Kind      string            `json:"kind"`
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    []errs.FieldError `json:"fields,omitempty"`
	RequestID string            `json:"request_id"`
}

func (s *Server) fail(c *gin.Context, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		if errors.Is(err, tenant.ErrNoTenant) || errors.Is(err, tenant.ErrNoTx) {
			s.log.ErrorContext(c.Request.Context(), "tenant scoping violated", "err", err)
		}
		e = &errs.Error{Kind: errs.Internal, Code: "internal", Message: "something went wrong on our side; quote the request id to support"}
	}
	if e.Kind == errs.Internal {
		s.log.ErrorContext(c.Request.Context(), "request failed", "err", err, "route", c.FullPath())
		e = &errs.Error{Kind: errs.Internal, Code: "internal", Message: "something went wrong on our side; quote the request id to support"}
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	st, ok := statusOf[e.Kind]
	if !ok {
		st = http.StatusInternalServerError
	}
	c.AbortWithStatusJSON(st, ErrorBody{Error: ErrorDetail{Kind: string(e.Kind), Code: e.Code, Message: e.Message, Fields: e.Fields, RequestID: requestID(c)}})
}

// maxJSON bounds a JSON request body.
const maxJSON = 1 << 20

// errTooLarge answers a body over maxJSON.
func errTooLarge() error {
	return &errs.Error{Kind: errs.TooLarge, Code: "body_too_large", Message: "the request body is larger than 1 MB",
		Fields: []errs.FieldError{{Field: "body", Code: "too_large", Message: "must be at most 1 MB"}}}
}

// bind decodes the JSON body strictly into v, the one way every handler
// reads a body: a body over 1 MB is too_large; malformed JSON, a wrong type,
// an unknown field or trailing data is invalid, named by field; so is a
// binding:"required" field that is absent, a NUL character or an over-long
// string anywhere, and a control or text-direction character in a name
// shown to others (text:"name").
func bind(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "application/json" {
		return errs.Field("body", "unsupported_media_type", "send Content-Type: application/json")
	}
	if c.Request.ContentLength > maxJSON {
		return errTooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSON+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge()
		}
		return errs.Field("body", "unreadable", "could not be read; send it again")
	}
	if len(body) > maxJSON {
		return errTooLarge()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, reflect.TypeOf(v).Elem(), body)
	}
	if dec.More() {
		return errs.Field("body", "malformed_json", "has data after the JSON value")
	}
	return checkInput(v, body)
}

func jsonError(err error, t reflect.Type, body []byte) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if p := typeErrorPath(t, body, ""); p != "" {
			field = p
		}
		if field == "" {
			field = "body"
		}
		return errs.Field(field, "wrong_type", fmt.Sprintf("must be %s", jsonType(te.Type.Kind().String())))
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("body", "malformed_json", "is not valid JSON")
	case errors.Is(err, io.EOF):
		return errs.Field("body", "required", "a JSON body is required")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if p := unknownFieldPath(t, body, ""); p != "" {
			name = p
		}
		if bad(name) || len(name) > 128 {
			name = "body"
		}
		return errs.Field(name, "unknown_field", "is not a field of this request")
	}
	return errs.Field("body", "malformed_json", "is not valid JSON")
}

func jsonType(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "an integer"
	case strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice", k == "array":
		return "an array"
	case k == "map", k == "struct":
		return "an object"
	}
	return "of another type"
}
