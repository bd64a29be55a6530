package api

import (
	"encoding/base64"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/miniapp"
)

func (s *Server) miniappRoutes() []Route {
	st := "/api/v1/stores/:store/miniapp"
	return []Route{
		{Method: "GET", Path: st + "/config", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "The mini-program's theme, tab bar and features", Out: miniapp.Config{}, Handler: s.getMiniAppConfig},
		{Method: "PUT", Path: st + "/config", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Choose theme, tab bar and features", In: miniapp.Config{}, Out: miniapp.Config{}, Handler: s.putMiniAppConfig},
		{Method: "POST", Path: st + "/builds", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Generate the mini-program (a background job)", Out: miniapp.Build{}, Status: 202, Handler: s.startBuild},
		{Method: "GET", Path: st + "/builds", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "Build history, newest first", Out: Page[miniapp.Build]{}, Handler: s.listBuilds},
		{Method: "GET", Path: st + "/builds/:build", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "A build's progress and result (app.json, ext.json, package sizes)", Out: miniapp.Build{}, Handler: s.getBuild},
		{Method: "GET", Path: st + "/builds/:build/download", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "Download the generated project (zip) to upload with WeChat's tools", Produces: "application/zip", Errors: []int{409}, Handler: s.downloadBuild},
		{Method: "GET", Path: st + "/builds/:build/preview", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "The home page with the build's theme (HTML)", Produces: "text/html", Handler: s.previewBuild},
		{Method: "GET", Path: st + "/code", Tag: "miniapp", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "A mini-program code (JPEG) for an in-store display; the label is recorded as the entry source",
			Query:   []QueryParam{{"label", "string", "1–20 letters, digits, - or _, e.g. shanghai-window"}}, Produces: "image/jpeg", Handler: s.storeCode},
		{Method: "GET", Path: "/api/v1/stores/:store/products/:product/code", Tag: "miniapp", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "A mini-program code (JPEG) that opens the product, for packaging and in-store displays", Produces: "image/jpeg", Handler: s.productCode},
	}
}

func (s *Server) getMiniAppConfig(c *gin.Context) {
	v, err := s.Builds.GetConfig(ctx(c))
	s.reply(c, http.StatusOK, v, err)
}

func (s *Server) putMiniAppConfig(c *gin.Context) {
	var in miniapp.Config
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Builds.PutConfig(ctx(c), in)
	s.reply(c, http.StatusOK, v, err)
}

func (s *Server) startBuild(c *gin.Context) {
	b, err := s.Builds.Start(ctx(c))
	s.reply(c, http.StatusAccepted, b, err)
}

func (s *Server) listBuilds(c *gin.Context) {
	out, err := s.Builds.List(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) getBuild(c *gin.Context) {
	b, err := s.Builds.Get(ctx(c), c.Param("build"))
	s.reply(c, http.StatusOK, b, err)
}

func (s *Server) downloadBuild(c *gin.Context) {
	b, err := s.Builds.Get(ctx(c), c.Param("build"))
	if err != nil {
		s.fail(c, err)
		return
	}
	fileID, _ := b.Result.V["file_id"].(string)
	if b.Status != miniapp.Succeeded || fileID == "" {
		s.fail(c, errs.E(errs.Conflict, "build_not_ready", "this build is "+b.Status))
		return
	}
	s.sendFile(c, ctx(c), fileID)
}

func (s *Server) previewBuild(c *gin.Context) {
	html, err := s.Builds.Preview(ctx(c), c.Param("build"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", html)
}

// EntryPage is the template page that resolves a code's scene.
const EntryPage = miniapp.PageEntry

// ProductScene encodes a product id as a scene: "p=" and the id's 16 bytes in
// base64url, 24 characters (WeChat allows 32 and no "%").
func ProductScene(productID string) (string, error) {
	u, err := uuid.Parse(productID)
	if err != nil {
		return "", err
	}
	return "p=" + base64.RawURLEncoding.EncodeToString(u[:]), nil
}

func (s *Server) productCode(c *gin.Context) {
	p, err := s.Catalog.Get(ctx(c), c.Param("product"))
	if err != nil {
		s.fail(c, err)
		return
	}
	scene, err := ProductScene(p.ID)
	if err != nil {
		s.fail(c, errs.NotFoundf("product"))
		return
	}
	img, err := s.Codes.Code(ctx(c), scene, EntryPage)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="product-code.jpg"`)
	c.Data(http.StatusOK, "image/jpeg", img)
}

var labelRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)

func (s *Server) storeCode(c *gin.Context) {
	label := c.DefaultQuery("label", "store")
	if !labelRE.MatchString(label) {
		s.fail(c, errs.Field("label", "invalid", "use 1–20 letters, digits, - or _"))
		return
	}
	img, err := s.Codes.Code(ctx(c), "s="+label, EntryPage)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="store-code-`+label+`.jpg"`)
	c.Data(http.StatusOK, "image/jpeg", img)
}
