package api

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// The OpenAPI document is generated from the route table that also registers
// the handlers, and its schemas are reflected from the Go types the handlers
// decode and encode, so the document cannot drift from the code.

var (
	specOnce sync.Once
	specDoc  map[string]any
)

func (s *Server) openapi(c *gin.Context) {
	specOnce.Do(func() { specDoc = s.OpenAPI() })
	c.JSON(http.StatusOK, specDoc)
}

var paramRE = regexp.MustCompile(`:([a-z_]+)`)

// OpenAPIPath converts a gin path to OpenAPI syntax.
func OpenAPIPath(p string) string { return paramRE.ReplaceAllString(p, "{$1}") }

// OpenAPI builds the OpenAPI 3.0 document.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{}}
	g.components["Error"] = g.schema(reflect.TypeOf(ErrorBody{}))
	paths := map[string]map[string]any{}
	for _, r := range s.routes {
		p := OpenAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{"summary": r.Summary, "tags": []string{r.Tag},
			"operationId": strings.ToLower(r.Method) + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(p, "/", "_"), "{", ""), "}", "")}
		var params []any
		for _, m := range paramRE.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.In != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.In))}}}
		}
		if len(r.Multipart) > 0 {
			props := map[string]any{}
			for _, f := range r.Multipart {
				if f == "file" {
					props[f] = map[string]any{"type": "string", "format": "binary"}
				} else {
					props[f] = map[string]any{"type": "string"}
				}
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "properties": props, "required": r.Multipart}}}}
		}
		if r.Consumes != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				r.Consumes: map[string]any{"schema": map[string]any{"type": "string", "description": "signed and encrypted by WeChat"}}}}
		}
		op["responses"] = g.responses(r)
		op["security"] = securityOf(r.Auth)
		if r.Auth == Store {
			op["x-permission"] = r.Obj + ":" + r.Act
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Shoplet API", "version": s.Version,
			"license": map[string]any{"name": "Apache 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
			"description": "Multi-tenant WeChat mini-program storefront builder. Money is int64 fen; times are UTC RFC 3339. " +
				"Every error has the shape {error: {kind, code, message, fields, request_id}}. Another store's objects answer 404."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{"schemas": g.components, "securitySchemes": map[string]any{
			schemeConsole: map[string]any{"type": "http", "scheme": "bearer",
				"description": "A console access token from POST /api/v1/auth/login, /auth/signup or /auth/refresh, sent as Authorization: Bearer <token>."},
			schemeShop: map[string]any{"type": "http", "scheme": "bearer",
				"description": "A shop session token from POST /api/shop/v1/stores/{store}/login, valid in that store only, sent as Authorization: Bearer <token>."},
		}},
	}
}

// The two bearer tokens travel in the same header but are issued by different
// sign-ins and are not interchangeable: a console token is refused by the shop
// API and the other way round.
const (
	schemeConsole = "consoleToken"
	schemeShop    = "shopToken"
)

// securityOf is the security requirement that the middleware of an auth level
// enforces (see Server.chain). Public, ShopPublic and PayNotify routes declare
// none: WeChat's callbacks are verified by their signatures, not a token.
func securityOf(auth string) []any {
	switch auth {
	case User, Operator, Store:
		return []any{map[string]any{schemeConsole: []string{}}}
	case Shopper:
		return []any{map[string]any{schemeShop: []string{}}}
	}
	return []any{}
}

// Secured reports whether a route's auth level requires a bearer token.
func (r Route) Secured() bool { return len(securityOf(r.Auth)) > 0 }

// callback reports whether a route answers WeChat in WeChat's protocol rather
// than in the JSON error shape.
func (r Route) callback() bool { return r.Auth == PayNotify || r.Consumes != "" }

var errorText = map[int]string{
	400: "invalid input: error.fields names each field at fault",
	401: "missing, invalid or expired token, or wrong credentials",
	403: "the role does not allow this, or the store is suspended",
	404: "no such object in this store (another store's objects do not exist)",
	409: "the object's state does not allow this",
	413: "the request body or file is too large",
}

// errorStatuses derives the error answers of a route from what its middleware
// and input decoding can refuse, plus the route's own Errors.
func errorStatuses(r Route) []int {
	set := map[int]bool{}
	for _, st := range r.Errors {
		set[st] = true
	}
	if r.In != nil || len(r.Multipart) > 0 || len(r.Query) > 0 || r.Consumes != "" {
		set[400] = true
	}
	if r.In != nil || len(r.Multipart) > 0 {
		set[413] = true
	}
	if r.Secured() {
		set[401] = true
	}
	hasParams := paramRE.MatchString(r.Path)
	switch r.Auth {
	case Store:
		set[403] = true
	case User:
		if strings.Contains(r.Path, ":agency") {
			set[403] = true // agency admins only
		}
	case Operator:
		set[404] = true // anyone else is told the route does not exist
	}
	if hasParams && r.Auth != Public {
		set[404] = true
	}
	if r.Secured() && r.Method != http.MethodGet {
		set[409] = true
	}
	out := make([]int, 0, len(set))
	for st := range set {
		out = append(out, st)
	}
	sort.Ints(out)
	return out
}

func (g *schemaGen) responses(r Route) map[string]any {
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	resp := map[string]any{}
	switch {
	case r.Out != nil:
		resp[strconv.Itoa(status)] = map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Out))}}}
	case status == http.StatusFound:
		resp["302"] = map[string]any{"description": "redirect", "headers": map[string]any{"Location": map[string]any{"schema": map[string]any{"type": "string"}}}}
	case r.Produces != "" || r.Method == http.MethodGet:
		mt := r.Produces
		if mt == "" {
			mt = "application/octet-stream"
		}
		schema := map[string]any{"type": "string"}
		if !strings.HasPrefix(mt, "text/") {
			schema["format"] = "binary"
		}
		resp[strconv.Itoa(status)] = map[string]any{"description": "OK", "content": map[string]any{mt: map[string]any{"schema": schema}}}
	default:
		st := r.Status // 202 when the work goes on in the background
		if st == 0 {
			st = http.StatusNoContent
		}
		resp[strconv.Itoa(st)] = map[string]any{"description": "done"}
	}
	errorRef := map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}
	for _, st := range errorStatuses(r) {
		content := errorRef
		if st == http.StatusBadRequest && r.callback() {
			content = callbackRefusal(r)
		}
		resp[strconv.Itoa(st)] = map[string]any{"description": errorText[st], "content": content}
	}
	resp["default"] = map[string]any{"description": "unexpected error", "content": errorRef}
	return resp
}

// callbackRefusal is how a WeChat callback says it refused a message: in
// WeChat's own shape, so that WeChat retries.
func callbackRefusal(r Route) map[string]any {
	if r.Auth == PayNotify {
		return map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object",
			"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}
	}
	return map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
}

type schemaGen struct{ components map[string]any }

var (
	timeType  = reflect.TypeOf(time.Time{})
	pathStrip = regexp.MustCompile(`[\w.\-]*/`)
	nameStrip = regexp.MustCompile(`[^A-Za-z0-9._]+`)
)

func componentName(t reflect.Type) string {
	n := path.Base(t.PkgPath()) + "." + pathStrip.ReplaceAllString(t.Name(), "")
	return strings.Trim(nameStrip.ReplaceAllString(n, "_"), "_")
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		// OpenAPI 3.0 ignores siblings of $ref and wants a type beside
		// nullable; every component is an object (a struct).
		if ref, ok := s["$ref"]; ok {
			return map[string]any{"type": "object", "allOf": []any{map[string]any{"$ref": ref}}, "nullable": true}
		}
		if _, typed := s["type"]; typed {
			s["nullable"] = true
		}
		return s
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f := "int64"
		if t.Kind() == reflect.Int32 || t.Kind() == reflect.Int {
			f = "int32"
		}
		return map[string]any{"type": "integer", "format": f}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t == timeType {
			return map[string]any{"type": "string", "format": "date-time"}
		}
		// jsonb.JSON[T] marshals as its V.
		if strings.HasPrefix(t.Name(), "JSON[") {
			if f, ok := t.FieldByName("V"); ok {
				return g.schema(f.Type)
			}
		}
		name := componentName(t)
		if _, ok := g.components[name]; !ok {
			g.components[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var required []string
			g.fields(t, props, &required)
			obj := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				sort.Strings(required)
				obj["required"] = required
			}
			g.components[name] = obj
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// fields adds the JSON fields of t, and of the structs it embeds, to props;
// those tagged binding:"required" (the tag the input validation enforces) are
// appended to required.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if slices.Contains(strings.Split(f.Tag.Get("binding"), ","), "required") {
			*required = append(*required, name)
		}
	}
}

// serveConsole serves the embedded console; unknown paths get index.html so
// client-side routes work on reload.
func (s *Server) serveConsole(c *gin.Context) {
	p := strings.TrimPrefix(path.Clean(c.Request.URL.Path), "/")
	if p == "" {
		p = "index.html"
	}
	if st, err := fs.Stat(s.Console, p); err != nil || st.IsDir() {
		p = "index.html"
	}
	if p == "index.html" {
		// http.FileServer would redirect /index.html to /; send it directly.
		b, err := fs.ReadFile(s.Console, p)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", b)
		return
	}
	if strings.HasPrefix(p, "assets/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		if ext := path.Ext(p); (ext == ".js" || ext == ".css") && strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
			if gz, err := s.gzipped(p); err == nil {
				c.Header("Content-Encoding", "gzip")
				c.Header("Vary", "Accept-Encoding")
				c.Data(http.StatusOK, mime.TypeByExtension(ext), gz)
				return
			}
		}
	}
	c.FileFromFS(p, http.FS(s.Console))
}

// gzipped returns a console asset compressed once and kept: the assets are
// immutable (hashed names), and JavaScript shrinks to about a third.
func (s *Server) gzipped(p string) ([]byte, error) {
	if v, ok := s.gzCache.Load(p); ok {
		return v.([]byte), nil
	}
	raw, err := fs.ReadFile(s.Console, p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(raw)
	if err := w.Close(); err != nil {
		return nil, err
	}
	s.gzCache.Store(p, buf.Bytes())
	return buf.Bytes(), nil
}
