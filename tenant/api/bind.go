package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
)

// What bind checks beyond the JSON itself, in one place for every request
// body: required fields (struct tag binding:"required") must be present,
// and no string may carry what the database or other people's screens
// cannot take.
const (
	// maxString bounds every string of a request body (the longest a
	// domain accepts is a product description of 20,000 characters).
	maxString = 20_000
	// maxID bounds an id: a field named id or *_id, and the items of ids.
	maxID = 64
	// maxFieldErrors bounds the fields one answer lists.
	maxFieldErrors = 20
)

// fieldErrs collects at most maxFieldErrors field errors.
type fieldErrs struct {
	f errs.Fields
	n int
}

func (f *fieldErrs) add(field, code, msg string) {
	if f.n < maxFieldErrors {
		f.f.Add(field, code, msg)
		f.n++
	}
}

// jsonField is one field of a request struct as JSON sees it.
type jsonField struct {
	name     string
	index    []int
	typ      reflect.Type
	required bool
	// text is the kind of text the field holds ("name": shown to other
	// people, so no control or text-direction characters).
	text string
}

var fieldCache sync.Map // reflect.Type -> []jsonField

// fieldsOf lists the JSON fields of struct type t, with embedded structs
// flattened as encoding/json does.
func fieldsOf(t reflect.Type) []jsonField {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]jsonField)
	}
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for _, f := range fieldsOf(et) {
					f.index = append([]int{i}, f.index...)
					out = append(out, f)
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{name: name, index: []int{i}, typ: sf.Type,
			required: hasWord(sf.Tag.Get("binding"), "required"), text: sf.Tag.Get("text")})
	}
	fieldCache.Store(t, out)
	return out
}

func hasWord(list, w string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == w {
			return true
		}
	}
	return false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// lookup finds key in obj as encoding/json does: exactly, else ignoring case.
func lookup(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// checkInput checks a decoded body v (a pointer) against its JSON text.
func checkInput(v any, body []byte) error {
	if isNull(body) {
		// null decodes to the zero value: every field "given" as its default.
		return errs.Field("body", "required", "send a JSON object")
	}
	var f fieldErrs
	rv := reflect.ValueOf(v).Elem()
	checkRequired(rv.Type(), body, "", &f)
	checkValue(rv, "", "", "", &f)
	return f.f.Err()
}

// checkRequired reports each binding:"required" field of t that raw lacks
// (or gives as null), in nested objects and arrays too. Present-ness, not
// the value: 0, false and "" can be meant.
func checkRequired(t reflect.Type, raw json.RawMessage, path string, f *fieldErrs) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(raw) || !mayRequire(t) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return
		}
		for _, fd := range fieldsOf(t) {
			val, ok := lookup(obj, fd.name)
			if !ok || isNull(val) {
				if fd.required {
					f.add(join(path, fd.name), "required", "is required")
				}
				continue
			}
			checkRequired(fd.typ, val, join(path, fd.name), f)
		}
	case reflect.Slice, reflect.Array:
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return
		}
		for i, el := range arr {
			p := fmt.Sprintf("%s[%d]", path, i)
			if isNull(el) {
				// null would decode to an item of zero values.
				f.add(p, "required", "must be an object, not null")
				continue
			}
			checkRequired(t.Elem(), el, p, f)
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return
		}
		for k, el := range obj {
			checkRequired(t.Elem(), el, join(path, k), f)
		}
	}
}

var requireCache sync.Map // reflect.Type -> bool

// mayRequire reports whether t has a required field anywhere inside. Only
// final answers are cached: a type still being visited (a recursive type)
// is tracked in the walk's own set, never published half-done to other
// requests.
func mayRequire(t reflect.Type) bool {
	return mayRequireIn(t, map[reflect.Type]bool{})
}

func mayRequireIn(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if v, ok := requireCache.Load(t); ok {
		return v.(bool)
	}
	if visiting[t] {
		return false // the recursion adds nothing the outer visit will not find
	}
	visiting[t] = true
	r := false
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		r = mayRequireIn(t.Elem(), visiting)
	case reflect.Struct:
		for _, fd := range fieldsOf(t) {
			if fd.required || mayRequireIn(fd.typ, visiting) {
				r = true
				break
			}
		}
	}
	delete(visiting, t)
	if len(visiting) == 0 || r {
		requireCache.Store(t, r) // an inner "false" may hide the outer type's required field: cache it from the top only
	}
	return r
}

// checkValue walks a decoded value and checks every string in it. name is
// the JSON name of the field holding v (an item of a list keeps the list's
// name), text the field's text tag.
func checkValue(v reflect.Value, path, name, text string, f *fieldErrs) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkValue(v.Elem(), path, name, text, f)
		}
	case reflect.String:
		checkString(v.String(), path, name, text, f)
	case reflect.Struct:
		for _, fd := range fieldsOf(v.Type()) {
			fv, err := v.FieldByIndexErr(fd.index)
			if err == nil {
				checkValue(fv, join(path, fd.name), fd.name, fd.text, f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			checkValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), name, text, f)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String {
				if bad(k.String()) {
					f.add(path, "invalid_character", "keys must not contain the NUL character")
					continue
				}
				checkString(k.String(), path, "", "", f)
				checkValue(iter.Value(), join(path, k.String()), name, text, f)
			}
		}
	}
}

func bad(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// isIDName: a field holding an id (id, *_id) or a list of them (ids, *_ids).
func isIDName(name string) bool {
	return name == "id" || name == "ids" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_ids")
}

func checkString(s, path, name, text string, f *fieldErrs) {
	if bad(s) {
		f.add(path, "invalid_character", "must not contain the NUL character (U+0000)")
		return
	}
	if isIDName(name) {
		if len(s) > maxID {
			f.add(path, "too_long", fmt.Sprintf("must be at most %d characters", maxID))
			return
		}
	} else if len(s) > maxString && utf8.RuneCountInString(s) > maxString {
		f.add(path, "too_long", fmt.Sprintf("must be at most %d characters", maxString))
		return
	}
	if text == "name" {
		for _, r := range s {
			if unicode.IsControl(r) || bidiControl(r) {
				f.add(path, "invalid_character", "must not contain control characters or text-direction marks")
				return
			}
		}
	}
}

// bidiControl reports the characters that reorder the text around them:
// in a name shown to other people they can disguise it.
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// typeErrorPath finds the first value of raw whose JSON type does not fit
// t, and returns its path with list indexes (encoding/json names the field
// without them); "" when it finds none.
func typeErrorPath(t reflect.Type, raw json.RawMessage, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(raw) {
		return ""
	}
	switch t.Kind() {
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			break
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return path
		}
		for _, fd := range fieldsOf(t) {
			if val, ok := lookup(obj, fd.name); ok {
				if p := typeErrorPath(fd.typ, val, join(path, fd.name)); p != "" {
					return p
				}
			}
		}
		return ""
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break
		}
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return path
		}
		for i, el := range arr {
			if p := typeErrorPath(t.Elem(), el, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
		return ""
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return path
		}
		for k, el := range obj {
			if p := typeErrorPath(t.Elem(), el, join(path, k)); p != "" {
				return p
			}
		}
		return ""
	}
	if json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
		return path
	}
	return ""
}

// unknownFieldPath finds the path of the first key of raw that is not a
// field of t (encoding/json names only the key); "" when there is none.
func unknownFieldPath(t reflect.Type, raw json.RawMessage, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(raw) {
		return ""
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		fields := fieldsOf(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var fd *jsonField
			for i := range fields {
				if strings.EqualFold(fields[i].name, k) {
					fd = &fields[i]
					break
				}
			}
			if fd == nil {
				return join(path, k)
			}
			if p := unknownFieldPath(fd.typ, obj[k], join(path, k)); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return ""
		}
		for i, el := range arr {
			if p := unknownFieldPath(t.Elem(), el, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		for k, el := range obj {
			if p := unknownFieldPath(t.Elem(), el, join(path, k)); p != "" {
				return p
			}
		}
	}
	return ""
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// refuseNUL answers 400 to a NUL character in a query or path parameter:
// no column takes one (PostgreSQL refuses it), so no handler may see one.
// Request bodies are bind's.
func (s *Server) refuseNUL(c *gin.Context) {
	if strings.Contains(c.Request.URL.RawQuery, "%00") {
		q := c.Request.URL.Query()
		names := make([]string, 0, len(q))
		for name := range q {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, v := range q[name] {
				if bad(name) || bad(v) {
					if bad(name) || len(name) > 64 {
						name = "query"
					}
					s.fail(c, errs.Field(name, "invalid_character", "must not contain the NUL character (U+0000)"))
					return
				}
			}
		}
	}
	for _, p := range c.Params {
		if bad(p.Value) {
			s.fail(c, errs.Field(p.Key, "invalid_character", "must not contain the NUL character (U+0000)"))
			return
		}
	}
	c.Next()
}
