package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/billing"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/marketing"
	"github.com/shoplet/shoplet/tenant/order"
)

// Marketing: coupons, promotions and shipping templates in the console; the
// coupon centre, claiming, my coupons and the price preview in the shop.
func (s *Server) marketingRoutes() []Route {
	st := "/api/v1/stores/:store"
	sh := "/api/shop/v1/stores/:store"
	mk := func(method, path, summary string, act string, in, out any, status int, h gin.HandlerFunc, q ...QueryParam) Route {
		return Route{Method: method, Path: st + path, Tag: "marketing", Auth: Store, Obj: access.ObjMarketing, Act: act, Summary: summary,
			In: in, Out: out, Status: status, Query: q, Handler: h}
	}
	// Creating coupons and promotions needs the plan's marketing module;
	// reading and stopping what exists never does (a plan change deletes
	// nothing). Shipping templates are plain delivery pricing every plan has.
	gated := func(r Route) Route {
		r.Module = billing.ModuleMarketing
		return r
	}
	return []Route{
		mk("GET", "/coupons", "Coupons, newest first", access.Read, nil, Page[marketing.Coupon]{}, 0, s.listCoupons,
			QueryParam{"status", "string", "active or stopped"}),
		gated(mk("POST", "/coupons", "Create a coupon (full reduction, discount with cap, no threshold, random amount)", access.Write,
			marketing.CouponInput{}, marketing.Coupon{}, 201, s.createCoupon)),
		mk("GET", "/coupons/:coupon", "A coupon with how many were claimed and used", access.Read, nil, marketing.CouponStats{}, 0, s.getCoupon),
		mk("POST", "/coupons/:coupon/stop", "Stop claiming (coupons already claimed stay usable)", access.Write, nil, marketing.Coupon{}, 0, s.stopCoupon),
		gated(mk("POST", "/coupons/:coupon/codes", "Generate unique one-use promo codes for a code coupon (never more than its total)", access.Write,
			marketing.CodesInput{}, Page[marketing.CouponCode]{}, 201, s.generateCodes)),
		{Method: "GET", Path: st + "/coupons/:coupon/codes", Tag: "marketing", Auth: Store, Obj: access.ObjMarketing, Act: access.Read,
			Summary: "A coupon's promo codes as CSV (code, shared, redeemed_at)", Produces: "text/csv", Handler: s.exportCodes},
		gated(mk("POST", "/coupons/:coupon/send", "Send a coupon to chosen members (its limits apply; idempotent by key; audited)", access.Write,
			marketing.SendInput{}, Page[marketing.SendResult]{}, 0, s.sendCoupon)),
		mk("GET", "/promotions", "Promotions (full reduction, limited-time discount), newest first", access.Read, nil, Page[marketing.Promotion]{}, 0, s.listPromotions),
		gated(mk("POST", "/promotions", "Create a promotion", access.Write, marketing.PromotionInput{}, marketing.Promotion{}, 201, s.createPromotion)),
		mk("POST", "/promotions/:promotion/stop", "End a promotion now", access.Write, nil, marketing.Promotion{}, 0, s.stopPromotion),
		mk("GET", "/shipping-templates", "Shipping templates", access.Read, nil, Page[marketing.ShippingTemplate]{}, 0, s.listTemplates),
		mk("POST", "/shipping-templates", "Create a shipping template", access.Write, marketing.TemplateInput{}, marketing.ShippingTemplate{}, 201, s.saveTemplate),
		mk("PUT", "/shipping-templates/:template", "Replace a shipping template", access.Write, marketing.TemplateInput{}, marketing.ShippingTemplate{}, 0, s.saveTemplate),
		mk("DELETE", "/shipping-templates/:template", "Delete a shipping template no product uses", access.Write, nil, nil, 204, s.deleteTemplate),

		{Method: "GET", Path: sh + "/coupons", Tag: "shop", Auth: ShopPublic, Summary: "The coupon centre: coupons claimable now, with how many are left",
			Out: Page[marketing.Coupon]{}, Handler: s.shopCoupons},
		{Method: "POST", Path: sh + "/coupons/:coupon/claim", Tag: "shop", Auth: Shopper, Summary: "Claim a coupon",
			Out: marketing.MemberCoupon{}, Status: 201, Handler: s.shopClaim,
			Early: func(c *gin.Context) error { return s.Marketing.SoldOut(ctx(c), c.Param("coupon")) }},
		{Method: "POST", Path: sh + "/coupon-codes/redeem", Tag: "shop", Auth: Shopper, Summary: "Claim a coupon by its promo code",
			In: marketing.RedeemInput{}, Out: marketing.MemberCoupon{}, Status: 201, Handler: s.shopRedeem},
		{Method: "GET", Path: sh + "/products/:product/coupons", Tag: "shop", Auth: ShopPublic,
			Summary: "Coupons claimable now that apply to an on-shelf product (for its page)", Out: Page[marketing.Coupon]{}, Handler: s.shopProductCoupons},
		{Method: "GET", Path: sh + "/me/coupons", Tag: "shop", Auth: Shopper, Summary: "My coupons", Out: Page[marketing.MemberCoupon]{},
			Query: []QueryParam{{"status", "string", "available, used or expired"}}, Handler: s.shopMyCoupons},
		{Method: "POST", Path: sh + "/checkout/preview", Tag: "shop", Auth: Shopper,
			Summary: "Price items or the cart as checkout will: discounts per line, shipping, the coupons held (the best pre-selected)",
			In:      order.PreviewInput{}, Out: order.Preview{}, Handler: s.shopPreview},
	}
}

func (s *Server) listCoupons(c *gin.Context) {
	out, err := s.Marketing.Coupons(ctx(c), c.Query("status"))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) createCoupon(c *gin.Context) {
	var in marketing.CouponInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Marketing.CreateCoupon(ctx(c), in)
	s.reply(c, http.StatusCreated, out, err)
}

func (s *Server) getCoupon(c *gin.Context) {
	out, err := s.Marketing.GetCoupon(ctx(c), c.Param("coupon"))
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) stopCoupon(c *gin.Context) {
	out, err := s.Marketing.StopCoupon(ctx(c), c.Param("coupon"))
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) listPromotions(c *gin.Context) {
	out, err := s.Marketing.Promotions(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) createPromotion(c *gin.Context) {
	var in marketing.PromotionInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Marketing.CreatePromotion(ctx(c), in)
	s.reply(c, http.StatusCreated, out, err)
}

func (s *Server) stopPromotion(c *gin.Context) {
	out, err := s.Marketing.StopPromotion(ctx(c), c.Param("promotion"))
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) listTemplates(c *gin.Context) {
	out, err := s.Marketing.Templates(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) saveTemplate(c *gin.Context) {
	var in marketing.TemplateInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	id := c.Param("template")
	out, err := s.Marketing.SaveTemplate(ctx(c), id, in)
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	s.reply(c, status, out, err)
}

func (s *Server) deleteTemplate(c *gin.Context) {
	s.reply(c, 0, nil, s.Marketing.DeleteTemplate(ctx(c), c.Param("template")))
}

func (s *Server) shopCoupons(c *gin.Context) {
	out, err := s.Marketing.Centre(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) shopClaim(c *gin.Context) {
	out, err := s.Marketing.Claim(ctx(c), shopSession(c).MemberID, c.Param("coupon"))
	s.reply(c, http.StatusCreated, out, err)
}

func (s *Server) shopMyCoupons(c *gin.Context) {
	out, err := s.Marketing.MyCoupons(ctx(c), shopSession(c).MemberID, c.Query("status"))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) shopPreview(c *gin.Context) {
	var in order.PreviewInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Orders.Preview(ctx(c), shopSession(c).MemberID, in)
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) generateCodes(c *gin.Context) {
	var in marketing.CodesInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Marketing.GenerateCodes(ctx(c), c.Param("coupon"), in)
	s.reply(c, http.StatusCreated, page(out, ""), err)
}

func (s *Server) exportCodes(c *gin.Context) {
	codes, err := s.Marketing.Codes(ctx(c), c.Param("coupon"))
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"code", "shared", "redeemed_at"})
	for _, cc := range codes {
		at := ""
		if cc.RedeemedAt != nil {
			at = cc.RedeemedAt.UTC().Format(time.RFC3339)
		}
		_ = w.Write([]string{cc.Code, strconv.FormatBool(cc.Shared), at})
	}
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="coupon-codes.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (s *Server) sendCoupon(c *gin.Context) {
	var in marketing.SendInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Marketing.Send(ctx(c), c.Param("coupon"), in)
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) shopRedeem(c *gin.Context) {
	var in marketing.RedeemInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Marketing.Redeem(ctx(c), shopSession(c).MemberID, in)
	s.reply(c, http.StatusCreated, out, err)
}

func (s *Server) shopProductCoupons(c *gin.Context) {
	p, err := s.Catalog.Get(ctx(c), c.Param("product"))
	if err == nil && p.Status != catalog.OnShelf {
		err = errs.NotFoundf("product")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	cat := ""
	if p.CategoryID != nil {
		cat = *p.CategoryID
	}
	out, err := s.Marketing.ProductCoupons(ctx(c), p.ID, cat)
	s.reply(c, http.StatusOK, page(out, ""), err)
}
