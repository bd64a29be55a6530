// Package files keeps a tenant's uploaded files (product images, onboarding
// documents): metadata in the database, bytes in a blob.Store under a key that
// starts with the tenant, so no path is shared between tenants.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"time"

	"github.com/shoplet/shoplet/pkg/blob"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
)

// Purposes and what each accepts.
const (
	Image    = "image"
	Document = "document"
	Build    = "build"  // a generated mini-program zip
	Import   = "import" // a CSV the catalog imports
)

var accepted = map[string][]string{
	Image:    {"image/jpeg", "image/png", "image/webp", "image/gif"},
	Document: {"application/pdf", "image/jpeg", "image/png"},
	Build:    {"application/zip"},
	Import:   {"text/plain; charset=utf-8"},
}

// MaxSize per purpose, in bytes.
var MaxSize = map[string]int64{Image: 5 << 20, Document: 10 << 20, Build: 24 << 20, Import: 10 << 20}

// File is one stored upload.
type File struct {
	tenant.Base
	ID          string    `gorm:"primaryKey" json:"id"`
	Purpose     string    `json:"purpose"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `gorm:"column:sha256" json:"sha256"`
	StorageKey  string    `json:"-"`
	Filename    string    `json:"filename"`
	CreatedBy   string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// Store saves and opens files.
type Store struct {
	T    *tenant.Store
	Blob blob.Store
}

// Save stores r (at most MaxSize[purpose] bytes) for the tenant in ctx, in the
// transaction of ctx. The type is sniffed from the bytes, not trusted from the client.
func (s *Store) Save(ctx context.Context, purpose, filename string, r io.Reader) (File, error) {
	return s.SaveAs(ctx, tenant.ActorFrom(ctx).AccountID, purpose, filename, r)
}

// SaveAs is Save for an upload by someone other than the staff account in
// ctx: a shopper's (createdBy is then the member's id).
func (s *Store) SaveAs(ctx context.Context, createdBy, purpose, filename string, r io.Reader) (File, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return File{}, tenant.ErrNoTenant
	}
	max := MaxSize[purpose]
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return File{}, errs.Wrap(err, "read upload")
	}
	if int64(len(data)) > max {
		return File{}, &errs.Error{Kind: errs.TooLarge, Code: "file_too_large", Message: fmt.Sprintf("file is larger than %d MB", max>>20),
			Fields: []errs.FieldError{{Field: "file", Code: "too_large", Message: fmt.Sprintf("must be at most %d MB", max>>20)}}}
	}
	if len(data) == 0 {
		return File{}, errs.Field("file", "required", "is empty")
	}
	ct := http.DetectContentType(data)
	if !slices.Contains(accepted[purpose], ct) {
		return File{}, errs.Field("file", "unsupported_type", fmt.Sprintf("type %s is not accepted; use one of %v", ct, accepted[purpose]))
	}
	sum := sha256.Sum256(data)
	f := File{ID: ids.New(), Purpose: purpose, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Filename: path.Base(filename), CreatedBy: createdBy, CreatedAt: time.Now().UTC()}
	if len(f.Filename) > 200 {
		f.Filename = f.Filename[:200]
	}
	f.StorageKey = path.Join("tenants", tid, purpose, f.ID)
	if err := s.Blob.Put(ctx, f.StorageKey, bytes.NewReader(data)); err != nil {
		return File{}, errs.Wrap(err, "store upload")
	}
	if err := s.T.Q(ctx).Create(&f).Error; err != nil {
		_ = s.Blob.Delete(ctx, f.StorageKey)
		return File{}, err
	}
	return f, nil
}

// Get returns a file's metadata; not_found for another tenant's file.
func (s *Store) Get(ctx context.Context, id string) (File, error) {
	var f File
	if !ids.Valid(id) {
		return f, errs.NotFoundf("file")
	}
	err := s.T.Q(ctx).Where("id = ?", id).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, errs.NotFoundf("file")
	}
	return f, err
}

// Open returns a file's metadata and bytes.
func (s *Store) Open(ctx context.Context, id string) (File, io.ReadCloser, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return f, nil, err
	}
	rc, err := s.Blob.Open(ctx, f.StorageKey)
	if errors.Is(err, blob.ErrNotFound) {
		return f, nil, errs.NotFoundf("file")
	}
	return f, rc, err
}

// Exist checks that every id is a file of purpose in this tenant.
func (s *Store) Exist(ctx context.Context, purpose string, idList []string) error {
	if len(idList) == 0 {
		return nil
	}
	for _, id := range idList {
		if !ids.Valid(id) {
			return errs.NotFoundf("file " + id)
		}
	}
	var n int64
	if err := s.T.Q(ctx).Model(&File{}).Where("purpose = ? AND id IN ?", purpose, idList).Count(&n).Error; err != nil {
		return err
	}
	if int(n) != len(set(idList)) {
		return errs.NotFoundf("image")
	}
	return nil
}

func set(in []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range in {
		m[s] = true
	}
	return m
}
