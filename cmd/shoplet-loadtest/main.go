// Command shoplet-loadtest prepares and measures the console product-list load
// test of the README: it provisions N tenants (each with an owner, roles and
// policies) and a catalog in one of them, timing the provisioning, and serves
// the bare gin baseline (a static 8 KB JSON body) that the result is compared
// with. The load itself comes from wrk on loopback; see README "Benchmarks".
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/onboard"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "shoplet-loadtest:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: shoplet-loadtest seed [flags] | baseline [--addr] | detail --api URL --store ID [flags]")
	}
	switch args[0] {
	case "seed":
		return seed(args[1:])
	case "baseline":
		return baseline(args[1:])
	case "detail":
		return detail(args[1:])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// baseline serves GET /static: a fixed 8 KB JSON body from a bare gin handler.
func baseline(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18081", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	items := make([]map[string]any, 0, 40)
	for i := 0; len(mustJSON(items)) < 8000; i++ {
		items = append(items, map[string]any{"id": ids.New(), "title": fmt.Sprintf("Product %d", i), "min_price": 9900, "max_price": 12900,
			"status": "on_shelf", "total_stock": 12, "created_at": time.Now().UTC()})
	}
	body := mustJSON(map[string]any{"items": items, "next_cursor": ""})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/static", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", body) })
	fmt.Printf("baseline: %d-byte body on http://%s/static\n", len(body), *addr)
	return http.ListenAndServe(*addr, r)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// seed provisions tenants through the same code path as sign-up (Stores.Provision).
// Owner accounts are inserted in bulk with one precomputed password hash:
// argon2id is deliberately slow and is not what this measures.
func seed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	tenants := fs.Int("tenants", 10000, "tenants to provision")
	products := fs.Int("products", 1000, "products in the first tenant")
	workers := fs.Int("workers", 8, "parallel provisioning workers")
	onShelf := fs.Int("on-shelf", 500, "products of the first tenant put on shelf (the shop benchmarks list them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, _ := base64.StdEncoding.DecodeString(getenv("SHOPLET_MASTER_KEY", base64.StdEncoding.EncodeToString(make([]byte, 32))))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{
		DatabaseURL: os.Getenv("SHOPLET_DATABASE_URL"), MigrateDatabaseURL: os.Getenv("SHOPLET_MIGRATE_DATABASE_URL"), MigrateOnStart: true,
		RedisURL: os.Getenv("SHOPLET_REDIS_URL"), RedisPrefix: getenv("SHOPLET_REDIS_PREFIX", "shoplet:"), Queue: getenv("SHOPLET_QUEUE", "shoplet"),
		DataDir: getenv("SHOPLET_DATA_DIR", "./data"), MasterKeyID: getenv("SHOPLET_MASTER_KEY_ID", "k1"), MasterKey: key,
		AccessTTL: time.Hour, RefreshTTL: time.Hour, EnforcerCacheSize: *tenants + 10, DBMaxConns: *workers + 2, Log: log,
	})
	if err != nil {
		return err
	}
	defer a.Close()

	password := "loadtest-password"
	hash := onboard.HashPassword(password)
	now := time.Now().UTC()
	owners := make([]onboard.Account, *tenants)
	for i := range owners {
		owners[i] = onboard.Account{ID: ids.New(), Email: strings.ToLower(fmt.Sprintf("owner%d-%s@load.example", i, ids.Token(3))), Name: "Owner",
			PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	}
	t0 := time.Now()
	if err := a.DB.Gorm.WithContext(ctx).CreateInBatches(owners, 1000).Error; err != nil {
		return err
	}
	accounts := time.Since(t0)

	storeIDs := make([]string, *tenants)
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, *workers)
	run := ids.Token(4)
	t1 := time.Now()
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *tenants {
					return
				}
				c := tenant.WithActor(ctx, tenant.Actor{AccountID: owners[i].ID})
				t, err := a.Stores.Provision(c, onboard.CreateStoreInput{Name: fmt.Sprintf("Store %d", i),
					Slug: strings.ToLower(fmt.Sprintf("load-%s-%d", strings.ReplaceAll(run, "_", "x"), i)), EntityType: onboard.Mainland,
					Categories: []string{onboard.CatApparel, onboard.CatBeauty}})
				if err != nil {
					errc <- err
					return
				}
				storeIDs[i] = t.ID
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	provision := time.Since(t1)

	c := tenant.WithTenant(tenant.WithActor(ctx, tenant.Actor{AccountID: owners[0].ID}), storeIDs[0])
	t2 := time.Now()
	var shelved []string
	for i := 0; i < *products; i++ {
		p, err := a.Catalog.Create(c, catalog.ProductInput{Title: fmt.Sprintf("Product %d", i), Subtitle: "Cotton, regular fit",
			BusinessCategory: onboard.CatApparel,
			Specs:            []catalog.Spec{{Name: "size", Values: []string{"S", "M", "L"}}},
			SKUs: []catalog.SKUInput{{Spec: map[string]string{"size": "S"}, Price: int64(9900 + i), Stock: 10},
				{Spec: map[string]string{"size": "M"}, Price: int64(9900 + i), Stock: 10}, {Spec: map[string]string{"size": "L"}, Price: int64(10900 + i), Stock: 0}}})
		if err != nil {
			return err
		}
		if i < *onShelf {
			shelved = append(shelved, p.ID)
		}
	}
	for i := 0; i < len(shelved); i += catalog.MaxBulk {
		if _, err := a.Catalog.BulkStatus(c, shelved[i:min(i+catalog.MaxBulk, len(shelved))], catalog.OnShelf); err != nil {
			return err
		}
	}
	catalogTime := time.Since(t2)
	tok, err := a.Auth.Login(ctx, owners[0].Email, password, "127.0.0.1")
	if err != nil {
		return err
	}
	out := map[string]any{"tenants": *tenants, "workers": *workers, "accounts_seconds": accounts.Seconds(),
		"provision_seconds": provision.Seconds(), "tenants_per_second": float64(*tenants) / provision.Seconds(),
		"products": *products, "products_seconds": catalogTime.Seconds(), "store_id": storeIDs[0], "access_token": tok.AccessToken}
	if len(shelved) > 0 {
		out["on_shelf"], out["product_id"] = len(shelved), shelved[0]
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
