package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/order"
)

// Endpoints the web console needs beyond the domain's own: password reset,
// the dashboard, and the operator's view of the job queue.

type emailInput struct {
	Email string `json:"email" binding:"required"`
}

type resetConfirmInput struct {
	Token    string `json:"token" binding:"required"`
	Password string `json:"password" binding:"required"`
}

// QueueStats is the background job queue, for operators.
type QueueStats struct {
	Queue     string `json:"queue"`
	Pending   int    `json:"pending"`
	Active    int    `json:"active"`
	Scheduled int    `json:"scheduled"`
	Retry     int    `json:"retry"`
	Archived  int    `json:"archived"`
	Processed int    `json:"processed_today"`
	Failed    int    `json:"failed_today"`
	Paused    bool   `json:"paused"`
}

func (s *Server) consoleRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/v1/auth/password-reset", Tag: "auth", Auth: Public,
			Summary: "Mail a password-reset link (answers the same whether or not the email has an account)", In: emailInput{}, Status: 202,
			Handler: s.requestReset},
		{Method: "POST", Path: "/api/v1/auth/password-reset/confirm", Tag: "auth", Auth: Public,
			Summary: "Set a new password with the link's token (ends every session of the account)", In: resetConfirmInput{}, Status: 204,
			Handler: s.confirmReset},
		{Method: "GET", Path: "/api/v1/stores/:store/dashboard", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Read,
			Summary: "GMV, orders, paying members, conversion, best sellers and entry sources over 1, 7 or 30 days",
			Query:   []QueryParam{{"days", "integer", "1 (today), 7 or 30"}}, Out: order.Stats{}, Handler: s.dashboard},
		{Method: "GET", Path: "/api/v1/stores/:store/products/export", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "Every product as CSV, one row per SKU (the import reads the same columns)", Produces: "text/csv", Handler: s.exportProducts},
		{Method: "POST", Path: "/api/v1/stores/:store/products/import", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Import products from CSV (a background job; its result lists each row's errors)", Multipart: []string{"file"},
			Out: catalog.Job{}, Status: 202, Handler: s.importProducts},
		{Method: "GET", Path: "/api/v1/stores/:store/jobs/:job", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "A background job's progress and result", Out: catalog.Job{}, Handler: s.getJob},
		{Method: "GET", Path: "/api/v1/stores/:store/members/:member", Tag: "members", Auth: Store, Obj: access.ObjMember, Act: access.Read,
			Summary: "A shopper", Out: member.Member{}, Handler: s.staffMember},
		{Method: "GET", Path: "/api/v1/stores/:store/members/:member/export", Tag: "members", Auth: Store, Obj: access.ObjMember, Act: access.Write,
			Summary: "A copy of a shopper's data, for a request made to the store (PIPL); recorded in the audit log",
			Out:     member.Export{}, Handler: s.staffMemberExport},
		{Method: "DELETE", Path: "/api/v1/stores/:store/members/:member", Tag: "members", Auth: Store, Obj: access.ObjMember, Act: access.Write,
			Summary: "Erase a shopper on their request (orders keep amounts, lose the address); recorded in the audit log", Handler: s.staffMemberDelete},
		{Method: "GET", Path: "/api/v1/platform/jobs", Tag: "platform", Auth: Operator, Summary: "The background job queue",
			Out: QueueStats{}, Handler: s.jobStats},
	}
}

func (s *Server) requestReset(c *gin.Context) {
	var in emailInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Auth.RequestReset(ctx(c), in.Email); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

func (s *Server) confirmReset(c *gin.Context) {
	var in resetConfirmInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Auth.ConfirmReset(ctx(c), in.Token, in.Password); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) dashboard(c *gin.Context) {
	days, err := strconv.Atoi(c.DefaultQuery("days", "7"))
	if err != nil {
		s.fail(c, errs.Field("days", "invalid_choice", "must be 1, 7 or 30"))
		return
	}
	st, err := s.Orders.Stats(ctx(c), days, time.Now())
	s.reply(c, http.StatusOK, st, err)
}

func (s *Server) exportProducts(c *gin.Context) {
	var buf bytes.Buffer
	buf.WriteString("\xef\xbb\xbf") // so Excel reads UTF-8
	if err := s.Catalog.ExportCSV(ctx(c), &buf); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="products.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (s *Server) importProducts(c *gin.Context) {
	name, f, err := formFile(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	j, err := s.Catalog.StartImport(ctx(c), s.Files, name, f)
	if err == nil && s.EnqueueImport != nil {
		err = s.EnqueueImport(ctx(c), j.ID)
	}
	s.reply(c, http.StatusAccepted, j, err)
}

func (s *Server) getJob(c *gin.Context) {
	j, err := s.Catalog.GetJob(ctx(c), c.Param("job"))
	s.reply(c, http.StatusOK, j, err)
}

// memberParam is the :member of the path; a malformed id is a missing member.
func (s *Server) memberParam(c *gin.Context) (string, bool) {
	id := c.Param("member")
	if !ids.Valid(id) {
		s.fail(c, errs.NotFoundf("member"))
		return "", false
	}
	return id, true
}

func (s *Server) staffMember(c *gin.Context) {
	id, ok := s.memberParam(c)
	if !ok {
		return
	}
	m, err := s.Members.Get(ctx(c), id)
	s.reply(c, http.StatusOK, m, err)
}

func (s *Server) staffMemberExport(c *gin.Context) {
	id, ok := s.memberParam(c)
	if !ok {
		return
	}
	out, err := s.Members.ExportData(ctx(c), id)
	if err == nil {
		err = s.T.Tx(ctx(c), func(cx context.Context) error {
			return s.Audit.Record(cx, "member.exported", "member", id, map[string]any{"requested_via": "store"})
		})
	}
	if err == nil {
		c.Header("Content-Disposition", `attachment; filename="member-data.json"`)
	}
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) staffMemberDelete(c *gin.Context) {
	id, ok := s.memberParam(c)
	if !ok {
		return
	}
	err := s.Members.Delete(ctx(c), id) // not_found for a missing or another store's member
	if err == nil {
		err = s.T.Tx(ctx(c), func(cx context.Context) error {
			return s.Audit.Record(cx, "member.deleted", "member", id, map[string]any{"requested_via": "store"})
		})
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// shopImage serves a store's product image to anyone in its mini-program:
// only images (never documents or builds), under immutable ids.
func (s *Server) shopImage(c *gin.Context) {
	id := c.Param("file")
	if !ids.Valid(id) {
		s.fail(c, errs.NotFoundf("image"))
		return
	}
	var meta files.File
	var rc io.ReadCloser
	err := s.T.Tx(ctx(c), func(cx context.Context) error {
		var err error
		meta, rc, err = s.Files.Open(cx, id)
		if err == nil && meta.Purpose != files.Image {
			rc.Close()
			err = errs.NotFoundf("image")
		}
		return err
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rc.Close()
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Header("X-Content-Type-Options", "nosniff")
	c.DataFromReader(http.StatusOK, meta.Size, meta.ContentType, rc, nil)
}

func (s *Server) jobStats(c *gin.Context) {
	if s.Jobs == nil {
		s.fail(c, errs.NotFoundf("job queue"))
		return
	}
	st, err := s.Jobs(ctx(c))
	s.reply(c, http.StatusOK, st, err)
}

// JobsFunc reports the queue (tenant/app implements it with asynq's inspector).
type JobsFunc func(ctx context.Context) (QueueStats, error)
