package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/jobs"
	"gorm.io/gorm"
)

// CSV import and export of the catalog, one row per SKU. Rows with the same
// product_ref (or, without one, the same title) make one product; its specs
// come from the spec column ("颜色=红;尺码=S") in the order values appear.

// CSVHeader is the export's header, which the import also reads.
var CSVHeader = []string{"product_ref", "title", "subtitle", "business_category", "status", "spec", "price", "market_price", "stock", "barcode"}

// ExportCSV writes every product of the store in ctx, one row per SKU.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	return s.T.Tx(ctx, func(ctx context.Context) error {
		var products []Product
		if err := s.T.Q(ctx).Order("created_at, id").Find(&products).Error; err != nil {
			return err
		}
		var skus []SKU
		if err := s.T.Q(ctx).Order("product_id, position").Find(&skus).Error; err != nil {
			return err
		}
		byProduct := map[string][]SKU{}
		for _, k := range skus {
			byProduct[k.ProductID] = append(byProduct[k.ProductID], k)
		}
		for _, p := range products {
			for _, k := range byProduct[p.ID] {
				var spec []string
				for _, sp := range p.Specs.V {
					spec = append(spec, sp.Name+"="+k.SpecValues.V[sp.Name])
				}
				market := ""
				if k.MarketPrice > 0 {
					market = yuan(k.MarketPrice)
				}
				if err := cw.Write([]string{p.ID, p.Title, p.Subtitle, p.BusinessCategory, p.Status, strings.Join(spec, ";"),
					yuan(k.Price), market, strconv.FormatInt(k.Stock, 10), k.Barcode}); err != nil {
					return err
				}
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

var yuanRE = regexp.MustCompile(`^(\d{1,9})(?:\.(\d{1,2}))?$`)

// parseYuan reads "129.5" as 12950 fen, exactly.
func parseYuan(s string) (int64, bool) {
	m := yuanRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	frac, _ := strconv.ParseInt((m[2] + "00")[:2], 10, 64)
	return whole*100 + frac, true
}

// RowError is one problem of an import, by CSV line (the header is line 1).
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportResult is what an import did.
type ImportResult struct {
	Products int        `json:"products"` // created
	Rows     int        `json:"rows"`
	Failed   int        `json:"failed"` // products not created
	BadRows  int        `json:"bad_rows"`
	Errors   []RowError `json:"errors"`
}

// Job is a catalog import's row of the tenant's jobs table.
type Job = jobs.Record

// KindImport is a catalog import job.
const KindImport = "catalog.import"

// StartImport stores the uploaded CSV and records an import job; the caller queues it.
func (s *Service) StartImport(ctx context.Context, store *files.Store, filename string, r io.Reader) (Job, error) {
	now := time.Now().UTC()
	j := Job{ID: ids.New(), Kind: KindImport, Status: "queued", Result: jsonb.Of(map[string]any{}), CreatedBy: tenant.ActorFrom(ctx).AccountID,
		CreatedAt: now, UpdatedAt: now}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		f, err := store.Save(ctx, files.Import, filename, r)
		if err != nil {
			return err
		}
		j.Result.V["file_id"] = f.ID
		if err := s.T.Q(ctx).Create(&j).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "catalog.import_started", "job", j.ID, map[string]any{"file": f.Filename})
	})
	return j, err
}

// GetJob returns a job of the store in ctx.
func (s *Service) GetJob(ctx context.Context, id string) (Job, error) {
	var j Job
	if !ids.Valid(id) {
		return j, errs.NotFoundf("job")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error { return s.T.Q(ctx).Where("id = ?", id).Take(&j).Error })
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return j, errs.NotFoundf("job")
	}
	return j, err
}

func (s *Service) jobUpdate(ctx context.Context, id string, f map[string]any) error {
	f["updated_at"] = time.Now().UTC()
	return s.T.Tx(ctx, func(ctx context.Context) error { return s.T.Q(ctx).Model(&Job{}).Where("id = ?", id).Updates(f).Error })
}

type group struct {
	key   string
	rows  []int
	input ProductInput
}

// RunImport does an import job (the job handler): each product is created
// (as a draft) or reported, so one bad row does not stop the rest. Running it
// again after it finished does nothing.
func (s *Service) RunImport(ctx context.Context, store *files.Store, id string) error {
	j, err := s.GetJob(ctx, id)
	if err != nil || j.Status == "succeeded" || j.Status == "failed" {
		return nil
	}
	a := tenant.ActorFrom(ctx)
	a.AccountID = j.CreatedBy
	ctx = tenant.WithActor(ctx, a)
	fileID, _ := j.Result.V["file_id"].(string)
	var data []byte
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		_, rc, err := store.Open(ctx, fileID)
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err = io.ReadAll(rc)
		return err
	})
	if err != nil {
		return err
	}
	groups, res := parseCSV(data)
	if err := s.jobUpdate(ctx, id, map[string]any{"status": "running", "total": len(groups)}); err != nil {
		return err
	}
	for i, g := range groups {
		if _, err := s.Create(ctx, g.input); err != nil {
			var se *errs.Error
			if !errors.As(err, &se) || se.Kind == errs.Internal {
				return err // retried: products already created stay, the job starts over from the file
			}
			res.Failed++
			res.Errors = append(res.Errors, rowErrors(g, se)...)
		} else {
			res.Products++
		}
		if i%10 == 9 || i == len(groups)-1 {
			_ = s.jobUpdate(ctx, id, map[string]any{"done": i + 1})
		}
	}
	if res.Errors == nil {
		res.Errors = []RowError{}
	}
	bad := map[int]bool{}
	for _, e := range res.Errors {
		bad[e.Row] = true
	}
	return s.jobUpdate(ctx, id, map[string]any{"status": "succeeded", "done": len(groups), "result": jsonb.Of(map[string]any{
		"file_id": fileID, "products": res.Products, "rows": res.Rows, "failed": res.Failed, "bad_rows": len(bad), "errors": res.Errors})})
}

var skuFieldRE = regexp.MustCompile(`^skus\[(\d+)\]\.?(.*)$`)

// rowErrors points a product's validation errors at its CSV rows.
func rowErrors(g group, se *errs.Error) []RowError {
	if len(se.Fields) == 0 {
		return []RowError{{Row: g.rows[0], Message: se.Message}}
	}
	var out []RowError
	for _, f := range se.Fields {
		row, field := g.rows[0], f.Field
		if m := skuFieldRE.FindStringSubmatch(f.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(g.rows) {
				row = g.rows[i]
			}
			field = m[2]
		}
		out = append(out, RowError{Row: row, Field: field, Message: f.Message})
	}
	return out
}

// parseCSV groups rows into products; rows it cannot read are reported and skipped.
func parseCSV(data []byte) ([]group, ImportResult) {
	var res ImportResult
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's UTF-8 BOM
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		res.Errors = append(res.Errors, RowError{Row: 1, Message: "the file has no header row"})
		return nil, res
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"title", "business_category", "price", "stock"} {
		if _, ok := col[need]; !ok {
			res.Errors = append(res.Errors, RowError{Row: 1, Field: need, Message: "column is missing from the header"})
		}
	}
	if len(res.Errors) > 0 {
		return nil, res
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var groups []group
	byKey := map[string]int{}
	line := 1
	for {
		rec, err := r.Read()
		line++
		if err == io.EOF {
			break
		}
		if err != nil {
			res.Errors = append(res.Errors, RowError{Row: line, Message: "not valid CSV: " + err.Error()})
			continue
		}
		res.Rows++
		bad := func(field, msg string) {
			res.Errors = append(res.Errors, RowError{Row: line, Field: field, Message: msg})
		}
		price, ok := parseYuan(get(rec, "price"))
		if !ok {
			bad("price", "must be an amount in yuan like 129.00")
			continue
		}
		var market int64
		if m := get(rec, "market_price"); m != "" {
			if market, ok = parseYuan(m); !ok {
				bad("market_price", "must be an amount in yuan like 159.00")
				continue
			}
		}
		stock, err := strconv.ParseInt(get(rec, "stock"), 10, 64)
		if err != nil || stock < 0 {
			bad("stock", "must be a whole number, 0 or more")
			continue
		}
		spec := map[string]string{}
		var order []string
		if sp := get(rec, "spec"); sp != "" {
			for _, part := range strings.Split(sp, ";") {
				k, v, found := strings.Cut(part, "=")
				k, v = strings.TrimSpace(k), strings.TrimSpace(v)
				if !found || k == "" || v == "" {
					bad("spec", `must be name=value pairs separated by ";", like 颜色=红;尺码=S`)
					spec = nil
					break
				}
				spec[k] = v
				order = append(order, k)
			}
			if spec == nil {
				continue
			}
		}
		key := get(rec, "product_ref")
		if key == "" {
			key = "title:" + get(rec, "title")
		}
		gi, seen := byKey[key]
		if !seen {
			gi = len(groups)
			byKey[key] = gi
			groups = append(groups, group{key: key, input: ProductInput{Title: get(rec, "title"), Subtitle: get(rec, "subtitle"),
				BusinessCategory: get(rec, "business_category")}})
		}
		g := &groups[gi]
		g.rows = append(g.rows, line)
		for _, name := range order {
			si := -1
			for i, s := range g.input.Specs {
				if s.Name == name {
					si = i
				}
			}
			if si < 0 {
				g.input.Specs = append(g.input.Specs, Spec{Name: name})
				si = len(g.input.Specs) - 1
			}
			found := false
			for _, v := range g.input.Specs[si].Values {
				found = found || v == spec[name]
			}
			if !found {
				g.input.Specs[si].Values = append(g.input.Specs[si].Values, spec[name])
			}
		}
		g.input.SKUs = append(g.input.SKUs, SKUInput{Spec: spec, Price: price, MarketPrice: market, Stock: stock, Barcode: get(rec, "barcode")})
	}
	return groups, res
}
