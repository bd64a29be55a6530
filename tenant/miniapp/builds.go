package miniapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/jobs"
	"gorm.io/gorm"
)

// Job statuses.
const (
	Queued    = "queued"
	Running   = "running"
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Build is one generation of a brand's mini-program: a background job whose
// progress the console shows, and its result.
type Build = jobs.Record

// Config is what a brand chooses for its mini-program.
type Config struct {
	Theme Theme    `json:"theme" binding:"required"`
	Tabs  []string `json:"tabs"`
	Cart  bool     `json:"cart" binding:"required"`
}

// Settings stores a brand's mini-program config and reads its binding; settings.Service implements it.
type Settings interface {
	Section(ctx context.Context, name string) (map[string]string, error)
	PutSection(ctx context.Context, name string, data map[string]string) error
	AppID(ctx context.Context) (string, error)
}

// Enqueuer schedules a build.
type Enqueuer interface {
	EnqueueBuild(ctx context.Context, buildID string) error
}

// Builds runs and records generations for the tenant in ctx.
type Builds struct {
	T        *tenant.Store
	Settings Settings
	Files    *files.Store
	Audit    *audit.Log
	Queue    Enqueuer
	Template fs.FS
	APIBase  string
	// StoreName returns the store's name.
	StoreName func(ctx context.Context) (string, error)
}

// GetConfig returns the brand's mini-program config (defaults when unset).
func (s *Builds) GetConfig(ctx context.Context) (Config, error) {
	var c Config
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		sec, err := s.Settings.Section(ctx, "miniapp")
		if err != nil {
			return err
		}
		if raw := sec["config"]; raw != "" {
			return json.Unmarshal([]byte(raw), &c)
		}
		c = Config{Cart: true}
		return nil
	})
	return c, err
}

// PutConfig validates and stores the config (by generating once: the same rules apply).
func (s *Builds) PutConfig(ctx context.Context, c Config) (Config, error) {
	tid, _ := tenant.FromContext(ctx)
	probe := Brand{AppID: "wx0000000000000000", Name: "probe", StoreID: tid, APIBase: "https://probe", Theme: c.Theme, Tabs: c.Tabs, Cart: c.Cart}
	if err := probe.validate(); err != nil {
		return Config{}, err
	}
	b, _ := json.Marshal(c)
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.Settings.PutSection(ctx, "miniapp", map[string]string{"config": string(b)}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "miniapp.config_updated", "miniapp", tid, map[string]any{"theme": c.Theme, "tabs": c.Tabs, "cart": c.Cart})
	})
	return c, err
}

// Start queues a build and returns it.
func (s *Builds) Start(ctx context.Context) (Build, error) {
	now := time.Now().UTC()
	b := Build{ID: ids.New(), Kind: "miniapp.build", Status: Queued, Total: 4, Result: jsonb.Of(map[string]any{}),
		CreatedBy: tenant.ActorFrom(ctx).AccountID, CreatedAt: now, UpdatedAt: now}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Create(&b).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "miniapp.build_started", "build", b.ID, nil)
	})
	if err != nil {
		return b, err
	}
	return b, s.Queue.EnqueueBuild(ctx, b.ID)
}

// Get returns a build; not_found for another tenant's.
func (s *Builds) Get(ctx context.Context, id string) (Build, error) {
	var b Build
	if !ids.Valid(id) {
		return b, errs.NotFoundf("build")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("id = ? AND kind = 'miniapp.build'", id).Take(&b).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return b, errs.NotFoundf("build")
	}
	return b, err
}

// List returns the build history, newest first.
func (s *Builds) List(ctx context.Context) ([]Build, error) {
	out := []Build{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("kind = 'miniapp.build'").Order("id DESC").Limit(50).Find(&out).Error
	})
	return out, err
}

func (s *Builds) progress(ctx context.Context, id string, upd map[string]any) error {
	upd["updated_at"] = time.Now().UTC()
	return s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Model(&Build{}).Where("id = ?", id).Updates(upd).Error
	})
}

// Run does a queued build (the job handler). Running it twice is harmless: a
// finished build is left as it is.
func (s *Builds) Run(ctx context.Context, id string) error {
	b, err := s.Get(ctx, id)
	if err != nil || b.Status == Succeeded || b.Status == Failed {
		return err
	}
	// The job acts for whoever started the build (files and audit name them).
	a := tenant.ActorFrom(ctx)
	a.AccountID = b.CreatedBy
	ctx = tenant.WithActor(ctx, a)
	// A build fails for good with a reason the brand can act on; an internal
	// error is returned so the job is retried.
	fail := func(e error) error {
		var se *errs.Error
		if !errors.As(e, &se) || se.Kind == errs.Internal {
			return e
		}
		msg := se.Message
		for _, f := range se.Fields {
			if !strings.Contains(msg, f.Field+": ") {
				msg += "; " + f.Field + ": " + f.Message
			}
		}
		return s.progress(ctx, id, map[string]any{"status": Failed, "error": msg})
	}
	if err := s.progress(ctx, id, map[string]any{"status": Running, "done": 0}); err != nil {
		return err
	}
	brand, err := s.Brand(ctx)
	if err != nil {
		return fail(err)
	}
	appID := brand.AppID
	// A build is downloaded and uploaded by the brand with WeChat's tools
	// (publishing through the platform generates its own, in platform mode).
	brand.Mode = ModeOwn
	_ = s.progress(ctx, id, map[string]any{"done": 1})
	res, err := Generate(s.Template, brand)
	if err != nil {
		return fail(err)
	}
	_ = s.progress(ctx, id, map[string]any{"done": 2})
	var file files.File
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		var err error
		file, err = s.Files.Save(ctx, files.Build, "miniprogram-"+res.SHA256[:12]+".zip", bytes.NewReader(res.Zip))
		return err
	})
	if err != nil {
		return fail(err)
	}
	_ = s.progress(ctx, id, map[string]any{"done": 3})
	result := map[string]any{"sha256": res.SHA256, "file_id": file.ID, "zip_bytes": len(res.Zip), "packages": res.Packages,
		"app_json": json.RawMessage(res.AppJSON), "ext_json": json.RawMessage(res.ExtJSON), "theme": brand.Theme, "app_id": appID, "mode": res.Mode}
	return s.progress(ctx, id, map[string]any{"status": Succeeded, "done": 4, "result": jsonb.Of(result)})
}

// Brand is what the store in ctx's mini-program is generated from now.
func (s *Builds) Brand(ctx context.Context) (Brand, error) {
	cfg, err := s.GetConfig(ctx)
	if err != nil {
		return Brand{}, err
	}
	var appID string
	if err := s.T.Tx(ctx, func(ctx context.Context) error {
		var err error
		appID, err = s.Settings.AppID(ctx)
		return err
	}); err != nil {
		return Brand{}, err
	}
	name, err := s.StoreName(ctx)
	if err != nil {
		return Brand{}, err
	}
	tid, _ := tenant.FromContext(ctx)
	var subscribe []string
	if err := s.T.Tx(ctx, func(ctx context.Context) error {
		sec, err := s.Settings.Section(ctx, "messages")
		for _, k := range []string{"paid", "shipped"} {
			if sec[k] != "" {
				subscribe = append(subscribe, sec[k])
			}
		}
		return err
	}); err != nil {
		return Brand{}, err
	}
	brand := Brand{AppID: appID, Name: name, StoreID: tid, APIBase: s.APIBase, Theme: cfg.Theme, Tabs: cfg.Tabs, Cart: cfg.Cart,
		SubscribeTemplates: subscribe}
	if len([]rune(brand.Name)) > 30 {
		brand.Name = string([]rune(brand.Name)[:30])
	}
	return brand, nil
}

var previewTpl = template.Must(template.New("p").Parse(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{.Name}} preview</title><style>
body{margin:0;font:14px -apple-system,"PingFang SC",sans-serif;background:#e9ebef}
.phone{width:375px;margin:24px auto;background:{{.Theme.Background}};border-radius:24px;overflow:hidden;box-shadow:0 4px 24px rgba(0,0,0,.15)}
.nav{background:{{.Theme.NavBar}};color:{{if eq .Theme.NavText "white"}}#fff{{else}}#000{{end}};text-align:center;padding:14px;font-weight:600}
.card{background:#fff;margin:8px;padding:12px;border-radius:8px}.price{color:{{.Theme.Primary}};font-weight:600}
.tabs{display:flex;background:#fff;border-top:1px solid #eee}.tab{flex:1;text-align:center;padding:10px;color:#666}.tab.on{color:{{.Theme.Primary}}}
</style></head><body><div class="phone"><div class="nav">{{.Name}}</div>
<div class="card">Linen shirt<br><span class="price">¥129.00</span></div><div class="card">Logo tee<br><span class="price">¥99.00</span></div>
<div class="tabs">{{range $i, $t := .Tabs}}<div class="tab{{if eq $i 0}} on{{end}}">{{$t}}</div>{{end}}</div></div></body></html>`))

// Preview renders the home page with the build's theme, as a phone would show it.
func (s *Builds) Preview(ctx context.Context, id string) ([]byte, error) {
	b, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status != Succeeded {
		return nil, errs.E(errs.Conflict, "build_not_ready", "this build is "+b.Status)
	}
	var app struct {
		Window map[string]string `json:"window"`
		TabBar struct {
			List []struct{ Text string } `json:"list"`
		} `json:"tabBar"`
	}
	raw, _ := json.Marshal(b.Result.V["app_json"])
	_ = json.Unmarshal(raw, &app)
	var th Theme
	tb, _ := json.Marshal(b.Result.V["theme"])
	_ = json.Unmarshal(tb, &th)
	data := struct {
		Name  string
		Theme Theme
		Tabs  []string
	}{Name: app.Window["navigationBarTitleText"], Theme: th}
	for _, t := range app.TabBar.List {
		data.Tabs = append(data.Tabs, t.Text)
	}
	var out bytes.Buffer
	if err := previewTpl.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	return out.Bytes(), nil
}
