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
		status := r.Status
		if status == 0 {
			status = 200
		}
		resp := map[string]any{}
		switch {
		case r.Out != nil:
			resp[strconv.Itoa(status)] = map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Out))}}}
		case strings.Contains(r.Path, "/files/"):
			resp["200"] = map[string]any{"description": "the file", "content": map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		default:
			resp["204"] = map[string]any{"description": "done"}
		}
		resp["default"] = map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		op["responses"] = resp
		if r.Auth != Public {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		if r.Auth == Store {
			op["x-permission"] = r.Obj + ":" + r.Act
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Shoplet API", "version": s.Version,
			"description": "Multi-tenant WeChat mini-program storefront builder. Money is int64 fen; times are UTC RFC 3339. " +
				"Every error has the shape {error: {kind, code, message, fields, request_id}}. Another store's objects answer 404."},
		"servers":    []any{map[string]any{"url": "/"}},
		"paths":      paths,
		"components": map[string]any{"schemas": g.components, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
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
		if ref, ok := s["$ref"]; ok {
			return map[string]any{"allOf": []any{map[string]any{"$ref": ref}}, "nullable": true}
		}
		s["nullable"] = true
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
			g.fields(t, props)
			g.components[name] = map[string]any{"type": "object", "properties": props}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
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
				g.fields(ft, props)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
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
