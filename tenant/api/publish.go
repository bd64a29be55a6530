package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/publish"
	"github.com/shoplet/shoplet/tenant/thirdparty"
)

type templateItem struct {
	ID          int64  `json:"template_id"`
	UserVersion string `json:"user_version"`
	UserDesc    string `json:"user_desc"`
	CreateTime  int64  `json:"create_time"`
}

type draftItem struct {
	ID          int64  `json:"draft_id"`
	UserVersion string `json:"user_version"`
	UserDesc    string `json:"user_desc"`
	CreateTime  int64  `json:"create_time"`
}

type addTemplateInput struct {
	DraftID int64 `json:"draft_id" binding:"required"`
}

func (s *Server) publishRoutes() []Route {
	st := "/api/v1/stores/:store/miniapp/publishes"
	pf := "/api/v1/platform/miniapp"
	ag := "/api/v1/agencies/:agency/rollouts"
	return []Route{
		{Method: "GET", Path: "/api/v1/stores/:store/miniapp/templates", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "Template versions the platform offers (its WeChat code template library)", Out: Page[templateItem]{}, Handler: s.storeTemplates},
		{Method: "POST", Path: st, Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Publish the mini-program: domains → privacy → commit → trial QR → review → release (background jobs)",
			In:      publish.Input{}, Out: publish.Publish{}, Status: 202, Handler: s.startPublish},
		{Method: "GET", Path: st, Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "Publications, newest first, with each step's status", Out: Page[publish.Publish]{}, Handler: s.listPublishes},
		{Method: "GET", Path: st + "/:publish", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "A publication's steps, review result and errors", Out: publish.Publish{}, Handler: s.getPublish},
		{Method: "GET", Path: st + "/:publish/trial-qr", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "The trial version's QR code (JPEG), for the brand's testers", Produces: "image/jpeg", Errors: []int{409}, Handler: s.trialQR},
		{Method: "POST", Path: st + "/:publish/refresh", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Ask WeChat for the review result now", Out: publish.Publish{}, Handler: s.publishAction((*publish.Service).Refresh)},
		{Method: "POST", Path: st + "/:publish/release", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Release a version that passed review", Out: publish.Publish{}, Status: 202, Handler: s.publishAction((*publish.Service).Release)},
		{Method: "POST", Path: st + "/:publish/withdraw", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Withdraw a version from review", Out: publish.Publish{}, Handler: s.publishAction((*publish.Service).Withdraw)},
		{Method: "POST", Path: st + "/:publish/rollback", Tag: "publish", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Roll the live mini-program back to the previous release", Out: publish.Publish{}, Handler: s.publishAction((*publish.Service).Rollback)},
		{Method: "POST", Path: "/api/wechat/component/messages/:appid", Tag: "wechat", Auth: Public,
			Summary: "WeChat's messages about an authorised mini-program, e.g. review results (msg_signature verified, encrypted)", Consumes: "text/xml", Produces: "text/plain", Handler: s.componentMessage},

		{Method: "GET", Path: pf + "/templates", Tag: "platform", Auth: Operator, Summary: "The platform's code template library",
			Out: Page[templateItem]{}, Handler: s.platformTemplates},
		{Method: "GET", Path: pf + "/drafts", Tag: "platform", Auth: Operator, Summary: "Code drafts uploaded from the development mini-program",
			Out: Page[draftItem]{}, Handler: s.platformDrafts},
		{Method: "POST", Path: pf + "/templates", Tag: "platform", Auth: Operator, Summary: "Add a draft to the template library",
			In: addTemplateInput{}, Status: 204, Handler: s.addTemplate},
		{Method: "POST", Path: pf + "/rollouts", Tag: "platform", Auth: Operator,
			Summary: "Publish a template version to many stores (all authorised stores when none is listed), a few at a time",
			In:      publish.RolloutInput{}, Out: publish.Rollout{}, Status: 202, Handler: s.platformRollout},
		{Method: "GET", Path: pf + "/rollouts", Tag: "platform", Auth: Operator, Summary: "Recent rollouts", Out: Page[publish.Rollout]{},
			Handler: s.listRollouts("")},
		{Method: "GET", Path: pf + "/rollouts/:rollout", Tag: "platform", Auth: Operator, Summary: "A rollout with the result per store",
			Out: publish.Rollout{}, Handler: s.getRollout("")},
		{Method: "POST", Path: ag, Tag: "agencies", Auth: User,
			Summary: "Publish a template version to stores the agency operates (all it may publish to when none is listed)",
			In:      publish.RolloutInput{}, Out: publish.Rollout{}, Status: 202, Handler: s.agencyRollout},
		{Method: "GET", Path: ag, Tag: "agencies", Auth: User, Summary: "The agency's rollouts", Out: Page[publish.Rollout]{}, Handler: s.listRollouts("agency")},
		{Method: "GET", Path: ag + "/:rollout", Tag: "agencies", Auth: User, Summary: "One of the agency's rollouts with the result per store",
			Out: publish.Rollout{}, Handler: s.getRollout("agency")},
	}
}

func (s *Server) templates(c *gin.Context) ([]templateItem, error) {
	var out struct {
		List []templateItem `json:"template_list"`
	}
	if err := s.Component.ComponentCall(ctx(c), "GET", "/wxa/gettemplatelist", nil, &out); err != nil {
		return nil, wechatRefused(err)
	}
	return out.List, nil
}

func wechatRefused(err error) error {
	var we *thirdparty.WxError
	if errors.As(err, &we) {
		msg, _ := publish.Explain(err)
		return errs.E(errs.Conflict, "wechat_refused", msg)
	}
	return err
}

func (s *Server) storeTemplates(c *gin.Context) {
	out, err := s.templates(c)
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) platformTemplates(c *gin.Context) { s.storeTemplates(c) }

func (s *Server) platformDrafts(c *gin.Context) {
	var out struct {
		List []draftItem `json:"draft_list"`
	}
	err := s.Component.ComponentCall(ctx(c), "GET", "/wxa/gettemplatedraftlist", nil, &out)
	s.reply(c, http.StatusOK, page(out.List, ""), wechatRefused(err))
}

func (s *Server) addTemplate(c *gin.Context) {
	var in addTemplateInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if in.DraftID <= 0 {
		s.fail(c, errs.Field("draft_id", "required", "choose a draft"))
		return
	}
	if err := s.Component.ComponentCall(ctx(c), "POST", "/wxa/addtotemplate", map[string]any{"draft_id": in.DraftID, "template_type": 0}, nil); err != nil {
		s.fail(c, wechatRefused(err))
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) startPublish(c *gin.Context) {
	var in publish.Input
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Publish.Start(ctx(c), in, "")
	s.reply(c, http.StatusAccepted, p, err)
}

func (s *Server) listPublishes(c *gin.Context) {
	out, err := s.Publish.List(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) getPublish(c *gin.Context) {
	p, err := s.Publish.Get(ctx(c), c.Param("publish"))
	s.reply(c, http.StatusOK, p, err)
}

func (s *Server) trialQR(c *gin.Context) {
	p, err := s.Publish.Get(ctx(c), c.Param("publish"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.QRFileID == "" {
		s.fail(c, errs.E(errs.Conflict, "trial_not_ready", "the trial version's QR code comes after the commit step"))
		return
	}
	s.sendFile(c, ctx(c), p.QRFileID)
}

func (s *Server) publishAction(fn func(*publish.Service, contextT, string) (publish.Publish, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := fn(s.Publish, ctx(c), c.Param("publish"))
		s.reply(c, http.StatusOK, p, err)
	}
}

func (s *Server) componentMessage(c *gin.Context) {
	if err := s.Component.HandleMessage(ctx(c), c.Param("appid"), c.Request); err != nil {
		s.log.WarnContext(ctx(c), "third-party platform message refused", "appid", c.Param("appid"), "err", err)
		c.String(http.StatusBadRequest, "fail")
		return
	}
	c.String(http.StatusOK, "success")
}

func (s *Server) platformRollout(c *gin.Context) {
	var in publish.RolloutInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := in.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	stores := in.Stores
	if len(stores) == 0 {
		if err := s.T.P(ctx(c)).Model(&thirdparty.Authorizer{}).Order("tenant_id").Pluck("tenant_id", &stores).Error; err != nil {
			s.fail(c, err)
			return
		}
	}
	for i, id := range stores {
		if !ids.Valid(id) {
			s.fail(c, errs.Field("stores["+strconv.Itoa(i)+"]", "invalid_id", "is not a store id"))
			return
		}
	}
	ro, err := s.Rollouts.Start(ctx(c), in, stores, "")
	s.reply(c, http.StatusAccepted, ro, err)
}

// agencyRollout publishes to the stores that granted the agency a role that
// may publish; a store the agency may not publish to is refused by name.
func (s *Server) agencyRollout(c *gin.Context) {
	var in publish.RolloutInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := in.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	agency := c.Param("agency")
	mine, err := s.Agencies.AgencyStores(ctx(c), agency)
	if err != nil {
		s.fail(c, err)
		return
	}
	allowed := map[string]bool{}
	var all []string
	for _, st := range mine {
		v, err := s.Enforcers.Version(ctx(c), st.TenantID)
		if err != nil {
			s.fail(c, err)
			return
		}
		ok, err := s.Enforcers.Enforce(ctx(c), st.TenantID, v, access.AgencySubject(agency), access.ObjMiniApp, access.Write)
		if err != nil {
			s.fail(c, err)
			return
		}
		if ok && st.Status != "suspended" {
			allowed[st.TenantID] = true
			all = append(all, st.TenantID)
		}
	}
	stores := in.Stores
	if len(stores) == 0 {
		stores = all
	}
	for i, id := range stores {
		if !allowed[id] {
			s.fail(c, errs.Field("stores", "not_allowed", "stores["+strconv.Itoa(i)+"] has not granted this agency a role that may publish"))
			return
		}
	}
	ro, err := s.Rollouts.Start(ctx(c), in, stores, agency)
	s.reply(c, http.StatusAccepted, ro, err)
}

func (s *Server) listRollouts(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		agency, err := s.rolloutScope(c, scope)
		if err != nil {
			s.fail(c, err)
			return
		}
		out, err := s.Rollouts.List(ctx(c), agency)
		s.reply(c, http.StatusOK, page(out, ""), err)
	}
}

func (s *Server) getRollout(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		agency, err := s.rolloutScope(c, scope)
		if err != nil {
			s.fail(c, err)
			return
		}
		ro, err := s.Rollouts.Get(ctx(c), c.Param("rollout"), agency)
		s.reply(c, http.StatusOK, ro, err)
	}
}

// rolloutScope returns the agency whose rollouts the caller may read ("" for operators).
func (s *Server) rolloutScope(c *gin.Context, scope string) (string, error) {
	if scope == "" {
		return "", nil
	}
	agency := c.Param("agency")
	if _, err := s.Agencies.AgencyStores(ctx(c), agency); err != nil {
		return "", err
	}
	return agency, nil
}
