package api

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/tenant/access"
)

type authorizeURLOutput struct {
	URL string `json:"url"`
}

func (s *Server) componentRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/stores/:store/settings/miniprogram/authorize-url", Tag: "settings", Auth: Store, Obj: access.ObjSecret,
			Act: access.Write, Summary: "A link to authorise the store's mini-program to the platform (third-party platform)",
			Out: authorizeURLOutput{}, Handler: s.authorizeURL},
		{Method: "POST", Path: "/api/wechat/component/events", Tag: "wechat", Auth: Public,
			Summary: "WeChat's third-party platform events (verified by msg_signature, encrypted)", Consumes: "text/xml", Produces: "text/plain", Handler: s.componentEvent},
		{Method: "GET", Path: "/api/wechat/component/authorized", Tag: "wechat", Auth: Public,
			Summary: "Where WeChat returns the brand's browser after authorising",
			Query:   []QueryParam{{"state", "string", "issued with the link"}, {"auth_code", "string", "from WeChat"}}, Status: 302, Handler: s.componentAuthorized},
	}
}

func (s *Server) authorizeURL(c *gin.Context) {
	u, err := s.Component.AuthorizeURL(ctx(c))
	s.reply(c, http.StatusOK, authorizeURLOutput{URL: u}, err)
}

func (s *Server) componentEvent(c *gin.Context) {
	if err := s.Component.HandleEvent(ctx(c), c.Request); err != nil {
		s.log.WarnContext(ctx(c), "third-party platform event refused", "err", err)
		c.String(http.StatusBadRequest, "fail")
		return
	}
	c.String(http.StatusOK, "success") // what WeChat expects
}

func (s *Server) componentAuthorized(c *gin.Context) {
	tid, err := s.Component.Authorized(ctx(c), c.Query("state"), c.Query("auth_code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusFound, s.ConsoleURL+"/stores/"+url.PathEscape(tid)+"/settings?authorized=1")
}
