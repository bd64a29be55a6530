package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/catalog"
)

// TestScopingFailsClosed: tenant-owned queries without a tenant, or outside a
// tenant transaction, are errors, never unscoped reads.
func TestScopingFailsClosed(t *testing.T) {
	e := apptest.New(t, apptest.Options{NoWorker: true})
	st := e.App.T
	owner := e.SignUp("o@scope.example")
	A := owner.CreateStore("scope-a", "mainland", "apparel")
	B := e.SignUp("p@scope.example").CreateStore("scope-b", "mainland", "apparel")
	ctxA := tenant.WithTenant(context.Background(), A)

	var ps []catalog.Product
	if err := st.Q(ctxA).Find(&ps).Error; !errors.Is(err, tenant.ErrNoTx) {
		t.Fatalf("query outside a transaction: err = %v, want ErrNoTx", err)
	}
	if err := st.Tx(context.Background(), func(ctx context.Context) error { return nil }); !errors.Is(err, tenant.ErrNoTenant) {
		t.Fatalf("Tx without tenant: err = %v, want ErrNoTenant", err)
	}
	err := st.PlatformTx(context.Background(), func(ctx context.Context) error {
		return st.Q(ctx).Find(&ps).Error
	})
	if !errors.Is(err, tenant.ErrNoTenant) {
		t.Fatalf("tenant model in a platform transaction: err = %v, want ErrNoTenant", err)
	}
	// A tenant transaction cannot be borrowed for another tenant.
	err = st.Tx(ctxA, func(ctx context.Context) error {
		return st.Tx(tenant.WithTenant(ctx, B), func(ctx context.Context) error { return nil })
	})
	if !errors.Is(err, db.ErrScope) {
		t.Fatalf("nested Tx for another tenant: err = %v, want ErrScope", err)
	}
	// A model stamped with another tenant's id is refused on create.
	err = st.Tx(ctxA, func(ctx context.Context) error {
		c := catalog.Category{Name: "x", ID: "01a20000-0000-7000-8000-000000000001"}
		c.TenantID = B
		return st.Q(ctx).Create(&c).Error
	})
	if !errors.Is(err, tenant.ErrTenantMismatch) {
		t.Fatalf("create with another tenant's id: err = %v, want ErrTenantMismatch", err)
	}
	// Inside its transaction, A sees its categories only.
	err = st.Tx(ctxA, func(ctx context.Context) error {
		return st.Q(ctx).Create(&catalog.Category{ID: "01a20000-0000-7000-8000-000000000002", Name: "mine"}).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	_ = st.Tx(tenant.WithTenant(context.Background(), B), func(ctx context.Context) error {
		return st.Q(ctx).Model(&catalog.Category{}).Count(&n).Error
	})
	if n != 0 {
		t.Fatalf("tenant B counts %d categories, want 0", n)
	}
}
