package api

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/billing"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/onboard"
	"github.com/shoplet/shoplet/tenant/order"
)

// Auth levels of the shop API.
const (
	ShopPublic = "shop_public" // anyone in the brand's mini-program (browse, login)
	Shopper    = "shopper"     // a signed-in member of the store in :store
	PayNotify  = "pay_notify"  // WeChat Pay callbacks: authenticated by their signature
)

const (
	keyShopSession  = "shoplet.shop_session"
	keyCheckoutMemo = "shoplet.checkout_memo"
)

type (
	checkoutOutput struct {
		Order   order.Order `json:"order"`
		Created bool        `json:"created"`
		Payment any         `json:"payment"` // parameters for wx.requestPayment
		// PaymentError says why no payment parameters came back; the order and
		// its stock stay reserved, and POST .../orders/:order/pay tries again.
		PaymentError *ErrorDetail `json:"payment_error,omitempty"`
	}
	quantityInput struct {
		Quantity int64 `json:"quantity" binding:"required"`
	}
	consentInput struct {
		Version string `json:"version" binding:"required"`
	}
	shipInput struct {
		Carrier    string `json:"carrier" binding:"required"`
		TrackingNo string `json:"tracking_no" binding:"required"`
	}
	refundRequestInput struct {
		Lines  []order.RefundLine `json:"lines"`
		Reason string             `json:"reason" binding:"required"`
	}
	reviewInput struct {
		Approve bool   `json:"approve" binding:"required"`
		Note    string `json:"note"`
		Restock bool   `json:"restock"`
	}
)

func (s *Server) shopRoutes() []Route {
	sh := "/api/shop/v1/stores/:store"
	st := "/api/v1/stores/:store"
	return []Route{
		{Method: "POST", Path: sh + "/login", Tag: "shop", Auth: ShopPublic, Summary: "Sign a shopper in with the code from wx.login",
			In: member.LoginInput{}, Out: member.LoginResult{}, Errors: []int{403}, Handler: s.shopLogin},
		{Method: "GET", Path: sh + "/images/:file", Tag: "shop", Auth: ShopPublic,
			Summary: "A product image (immutable: cache it forever); documents and other files are not served here", Produces: "image/*", Handler: s.shopImage},
		{Method: "GET", Path: sh + "/status", Tag: "shop", Auth: ShopPublic,
			Summary: "Whether the store is open to shoppers, and its service phone (a closed store's plan has lapsed; checkout answers store_closed)",
			Out:     shopStatusOutput{}, Handler: s.shopStatus},
		{Method: "GET", Path: sh + "/categories", Tag: "shop", Auth: ShopPublic, Summary: "The store's category tree", Out: Page[catalog.Category]{}, Handler: s.listCategories},
		{Method: "GET", Path: sh + "/products", Tag: "shop", Auth: ShopPublic, Summary: "On-shelf products: search, filter, sort, page",
			Query: productQuery, Out: Page[catalog.ListItem]{}, Handler: s.shopProducts},
		{Method: "GET", Path: sh + "/products/:product", Tag: "shop", Auth: ShopPublic, Summary: "An on-shelf product with its SKUs and stock",
			Out: catalog.Product{}, Handler: s.shopProduct},
		{Method: "GET", Path: sh + "/me", Tag: "shop", Auth: Shopper, Summary: "The signed-in shopper", Out: member.Member{}, Handler: s.shopMe},
		{Method: "PATCH", Path: sh + "/me", Tag: "shop", Auth: Shopper, Summary: "Change nickname or avatar", In: member.ProfileInput{}, Out: member.Member{}, Handler: s.shopProfile},
		{Method: "POST", Path: sh + "/me/avatar", Tag: "shop", Auth: Shopper, Summary: "Upload the avatar chosen with chooseAvatar (an image); avatar_url becomes its shop image path",
			Multipart: []string{"file"}, Out: member.Member{}, Handler: s.shopAvatar},
		{Method: "POST", Path: sh + "/me/consent", Tag: "shop", Auth: Shopper, Summary: "Record privacy consent (policy version)", In: consentInput{}, Out: member.Member{}, Handler: s.shopConsent},
		{Method: "PUT", Path: sh + "/me/phone", Tag: "shop", Auth: Shopper, Summary: "Set the phone: getPhoneNumber code (mainland) or typed (overseas)",
			In: member.PhoneInput{}, Out: member.Member{}, Handler: s.shopPhone},
		{Method: "GET", Path: sh + "/me/export", Tag: "shop", Auth: Shopper, Summary: "A copy of the shopper's data (PIPL)", Out: member.Export{}, Handler: s.shopExport},
		{Method: "DELETE", Path: sh + "/me", Tag: "shop", Auth: Shopper, Summary: "Delete the shopper's account (PIPL); orders keep amounts only", Handler: s.shopDelete},
		{Method: "GET", Path: sh + "/addresses", Tag: "shop", Auth: Shopper, Summary: "Shipping addresses", Out: Page[member.Address]{}, Handler: s.shopAddresses},
		{Method: "POST", Path: sh + "/addresses", Tag: "shop", Auth: Shopper, Summary: "Add an address", In: member.AddressInput{}, Out: member.Address{}, Status: 201, Handler: s.shopSaveAddress},
		{Method: "PUT", Path: sh + "/addresses/:address", Tag: "shop", Auth: Shopper, Summary: "Replace an address", In: member.AddressInput{}, Out: member.Address{}, Handler: s.shopSaveAddress},
		{Method: "DELETE", Path: sh + "/addresses/:address", Tag: "shop", Auth: Shopper, Summary: "Delete an address", Handler: s.shopDeleteAddress},
		{Method: "GET", Path: sh + "/cart", Tag: "shop", Auth: Shopper, Summary: "The cart, priced now", Out: Page[order.CartLine]{}, Handler: s.shopCart},
		{Method: "PUT", Path: sh + "/cart/:sku", Tag: "shop", Auth: Shopper, Summary: "Set a SKU's quantity in the cart (0 removes)", In: quantityInput{}, Handler: s.shopSetCart},
		{Method: "POST", Path: sh + "/checkout", Tag: "shop", Auth: Shopper, Summary: "Place an order and get wx.requestPayment parameters",
			In: order.CheckoutInput{}, Out: checkoutOutput{}, Status: 201, CheckoutMemo: true, Handler: s.shopCheckout},
		{Method: "GET", Path: sh + "/orders", Tag: "shop", Auth: Shopper, Summary: "The shopper's orders", Out: Page[order.Order]{},
			Query: []QueryParam{{"status", "string", "only this status"}, {"cursor", "string", "next_cursor"}}, Handler: s.shopOrders},
		{Method: "GET", Path: sh + "/orders/:order", Tag: "shop", Auth: Shopper, Summary: "An order with its history", Out: order.Order{}, Handler: s.shopOrder},
		{Method: "POST", Path: sh + "/orders/:order/cancel", Tag: "shop", Auth: Shopper, Summary: "Cancel an unpaid order", Out: order.Order{}, Handler: s.shopCancel},
		{Method: "POST", Path: sh + "/orders/:order/pay", Tag: "shop", Auth: Shopper, Summary: "Payment parameters for an unpaid order", Out: checkoutOutput{}, Handler: s.shopPay},
		{Method: "POST", Path: sh + "/orders/:order/receipt", Tag: "shop", Auth: Shopper, Summary: "Confirm receipt of a shipped order", Out: order.Order{}, Handler: s.shopReceipt},
		{Method: "POST", Path: sh + "/orders/:order/refunds", Tag: "shop", Auth: Shopper, Summary: "Ask for a refund of some or all lines",
			In: refundRequestInput{}, Out: order.Refund{}, Status: 201, Handler: s.shopRefund},
		{Method: "POST", Path: "/api/pay/v1/stores/:store/notify", Tag: "payments", Auth: PayNotify, Summary: "WeChat Pay notifications for this store", Consumes: "application/json", Handler: s.payNotify},

		// Staff
		{Method: "GET", Path: st + "/orders", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Read, Summary: "Orders: filter, search, page",
			Query: orderQuery, Out: Page[order.Order]{}, Handler: s.staffOrders},
		{Method: "GET", Path: st + "/orders/counts", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Read,
			Summary: "How many orders each status tab holds, and those in after-sale", Out: order.Counts{}, Handler: s.staffOrderCounts},
		{Method: "GET", Path: st + "/orders/export", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Read, Summary: "Orders as CSV",
			Query: orderQuery, Produces: "text/csv", Handler: s.staffExport},
		{Method: "GET", Path: st + "/orders/:order", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Read, Summary: "An order with lines and history",
			Out: order.Order{}, Handler: s.staffOrder},
		{Method: "POST", Path: st + "/orders/:order/ship", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Write, Summary: "Ship with carrier and tracking number",
			In: shipInput{}, Out: order.Order{}, Handler: s.staffShip},
		{Method: "GET", Path: st + "/refunds", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Read, Summary: "Refund requests",
			Query: []QueryParam{{"status", "string", "requested, processing, succeeded, rejected"}}, Out: Page[order.Refund]{}, Handler: s.staffRefunds},
		{Method: "POST", Path: st + "/refunds/:refund/review", Tag: "orders", Auth: Store, Obj: access.ObjOrder, Act: access.Write, Summary: "Approve or reject a refund",
			In: reviewInput{}, Out: order.Refund{}, Handler: s.staffReview},
		{Method: "GET", Path: st + "/members", Tag: "members", Auth: Store, Obj: access.ObjMember, Act: access.Read, Summary: "The store's shoppers",
			Query: []QueryParam{{"cursor", "string", "next_cursor"}, {"limit", "integer", "1–100, default 50"}}, Out: Page[member.Member]{}, Handler: s.staffMembers},
	}
}

var orderQuery = []QueryParam{{"limit", "integer", "1–100, default 20"}, {"status", "string", "order status, or after_sale (a refund requested or in progress)"}, {"q", "string", "order number (prefix), or part of the recipient's name or phone"}, {"member_id", "string", "shopper"},
	{"from", "string", "created at or after (RFC 3339)"}, {"to", "string", "created before (RFC 3339)"}, {"cursor", "string", "next_cursor"}}

// shopStore checks that the store exists and is open (suspended stores are
// closed to shoppers) and puts it in the context.
func (s *Server) shopStore(c *gin.Context, version int64) bool {
	tid := c.Param("store")
	st, err := s.Enforcers.Status(ctx(c), tid, version)
	if err != nil {
		s.fail(c, errs.Wrap(err, "store status"))
		return false
	}
	if st != onboard.StatusActive {
		s.fail(c, errStoreNotFound)
		return false
	}
	a := tenant.ActorFrom(ctx(c))
	c.Request = c.Request.WithContext(tenant.WithActor(tenant.WithTenant(ctx(c), tid), a))
	return true
}

// shopAccess resolves the store, and for Shopper routes the session, which
// must belong to this store: a session of brand A is refused on brand B.
// With memo, the session's last checkout (its idempotency key and order) is
// read in the same MGET as the session: a double tap is then recognised
// without another round trip, before any sold-out mark refuses it.
func (s *Server) shopAccess(needSession, cacheable, memo bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		tid := c.Param("store")
		if !ids.Valid(tid) {
			s.fail(c, errStoreNotFound)
			return
		}
		if !needSession {
			if v, ok := s.publicVersions(c, tid); ok {
				if !s.shopStore(c, v.policy) {
					return
				}
				if cacheable {
					c.Set(keyCatalogV, v.catalog)
				}
				c.Next()
			}
			return
		}
		keys := []string{s.Enforcers.VersionKey(tid)}
		tok := bearer(c)
		if needSession {
			if tok == "" {
				s.fail(c, errs.E(errs.Unauthenticated, "missing_token", "sign in with wx.login and send the shop token"))
				return
			}
			keys = append(keys, s.Members.SessionKey(tok))
		}
		if cacheable && s.CatalogVersionKey != nil {
			keys = append(keys, s.CatalogVersionKey(tid))
		}
		var fresh []string
		if memo && needSession {
			fresh = []string{s.Members.CheckoutMemoKey(tid, tok)}
		}
		vals, memoVals, err := s.Near.MGetFresh(ctx(c), keys, fresh)
		if err != nil {
			s.fail(c, errs.Wrap(err, "shop session"))
			return
		}
		if len(memoVals) == 1 {
			if m, ok := memoVals[0].(string); ok {
				c.Set(keyCheckoutMemo, m)
			}
		}
		version, err := access.VersionOf(vals[0])
		if err != nil {
			s.fail(c, errs.Wrap(err, "policy version"))
			return
		}
		if !s.shopStore(c, version) {
			return
		}
		if needSession {
			raw, _ := vals[1].(string)
			sess, err := member.DecodeSession(raw)
			if raw == "" || err != nil {
				s.fail(c, errs.E(errs.Unauthenticated, "invalid_token", "the shop session expired; sign in again"))
				return
			}
			if sess.TenantID != tid {
				s.fail(c, errs.E(errs.Unauthenticated, "wrong_store", "this session belongs to another store"))
				return
			}
			c.Set(keyShopSession, sess)
		}
		if cacheable {
			if v, err := access.VersionOf(vals[len(vals)-1]); err == nil {
				c.Set(keyCatalogV, v)
			}
		}
		c.Next()
	}
}

// shopEarly runs a route's Early check for a request with a token, once the
// store is resolved from the instance's copy of its policy version; a request
// without a token, or a store whose version is not at hand, goes on to
// shopAccess, which answers it as usual.
func (s *Server) shopEarly(early func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		tid := c.Param("store")
		if bearer(c) == "" || !ids.Valid(tid) {
			return
		}
		vals, err := s.Near.MGet(ctx(c), s.Enforcers.VersionKey(tid))
		if err != nil {
			return
		}
		version, err := access.VersionOf(vals[0])
		if err != nil || !s.shopStore(c, version) {
			return
		}
		if err := early(c); err != nil {
			s.fail(c, err)
		}
	}
}

func shopSession(c *gin.Context) member.Session {
	v, _ := c.Get(keyShopSession)
	s, _ := v.(member.Session)
	return s
}

func (s *Server) shopLogin(c *gin.Context) {
	var in member.LoginInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Members.Login(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) shopProducts(c *gin.Context) {
	q := c.Request.URL.Query()
	q.Set("status", catalog.OnShelf) // shoppers see on-shelf products only
	c.Request.URL.RawQuery = q.Encode()
	s.listProducts(c)
}

func (s *Server) shopProduct(c *gin.Context) {
	s.cached(c, func() (any, error) {
		p, err := s.Catalog.Get(ctx(c), c.Param("product"))
		if err == nil && p.Status != catalog.OnShelf {
			return nil, errs.NotFoundf("product")
		}
		return p, err
	})
}

func (s *Server) shopMe(c *gin.Context) {
	m, err := s.Members.Get(ctx(c), shopSession(c).MemberID)
	s.reply(c, http.StatusOK, m, err)
}

func (s *Server) reply(c *gin.Context, status int, v any, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	if v == nil {
		c.Status(http.StatusNoContent)
		return
	}
	c.JSON(status, v)
}

func (s *Server) shopProfile(c *gin.Context) {
	var in member.ProfileInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Members.UpdateProfile(ctx(c), shopSession(c).MemberID, in)
	s.reply(c, http.StatusOK, m, err)
}

// shopAvatar stores the image WeChat's avatar picker gave the phone (a path
// that exists only on that phone) and points the member's avatar at it.
func (s *Server) shopAvatar(c *gin.Context) {
	name, f, err := formFile(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	var m member.Member
	err = s.T.Tx(ctx(c), func(cx contextT) error {
		img, err := s.Files.SaveAs(cx, shopSession(c).MemberID, files.Image, name, f)
		if err != nil {
			return err
		}
		m, err = s.Members.SetAvatar(cx, shopSession(c).MemberID, "/api/shop/v1/stores/"+c.Param("store")+"/images/"+img.ID)
		return err
	})
	s.reply(c, http.StatusOK, m, err)
}

func (s *Server) shopConsent(c *gin.Context) {
	var in consentInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Members.Consent(ctx(c), shopSession(c).MemberID, in.Version)
	s.reply(c, http.StatusOK, m, err)
}

func (s *Server) shopPhone(c *gin.Context) {
	var in member.PhoneInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Members.SetPhone(ctx(c), shopSession(c).MemberID, in)
	s.reply(c, http.StatusOK, m, err)
}

func (s *Server) shopExport(c *gin.Context) {
	e, err := s.Members.ExportData(ctx(c), shopSession(c).MemberID)
	if err == nil {
		c.Header("Content-Disposition", `attachment; filename="my-data.json"`)
	}
	s.reply(c, http.StatusOK, e, err)
}

func (s *Server) shopDelete(c *gin.Context) {
	s.reply(c, 0, nil, s.Members.Delete(ctx(c), shopSession(c).MemberID))
}

func (s *Server) shopAddresses(c *gin.Context) {
	out, err := s.Members.Addresses(ctx(c), shopSession(c).MemberID)
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) shopSaveAddress(c *gin.Context) {
	var in member.AddressInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	id := c.Param("address")
	a, err := s.Members.SaveAddress(ctx(c), shopSession(c).MemberID, id, in)
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	s.reply(c, status, a, err)
}

func (s *Server) shopDeleteAddress(c *gin.Context) {
	s.reply(c, 0, nil, s.Members.DeleteAddress(ctx(c), shopSession(c).MemberID, c.Param("address")))
}

func (s *Server) shopCart(c *gin.Context) {
	out, err := s.Orders.Cart(ctx(c), shopSession(c).MemberID)
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) shopSetCart(c *gin.Context) {
	var in quantityInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	s.reply(c, 0, nil, s.Orders.SetCartItem(ctx(c), shopSession(c).MemberID, c.Param("sku"), in.Quantity))
}

func (s *Server) shopCheckout(c *gin.Context) {
	var in order.CheckoutInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	sess := shopSession(c)
	if s.Billing != nil {
		// A store closed for an unpaid plan takes no new orders.
		if err := s.Billing.Open(ctx(c)); err != nil {
			s.fail(c, err)
			return
		}
	}
	var (
		o       order.Order
		created bool
		err     error
		found   bool
	)
	if m := c.GetString(keyCheckoutMemo); m != "" && in.IdempotencyKey != "" {
		// A repeat of this session's last checkout: that order, whatever
		// happened to stock since (the last unit's buyer double-tapping).
		if key, id, ok := strings.Cut(m, "\n"); ok && key == in.IdempotencyKey {
			if o, err = s.Orders.Get(ctx(c), sess.MemberID, id); err == nil {
				found = true
			}
		}
	}
	if !found {
		o, created, err = s.Orders.Checkout(ctx(c), sess.MemberID, in)
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	if created {
		if err := s.Redis.Set(ctx(c), s.Members.CheckoutMemoKey(sess.TenantID, bearer(c)), in.IdempotencyKey+"\n"+o.ID, checkoutMemoTTL).Err(); err != nil {
			s.log.WarnContext(ctx(c), "remember checkout", "order_id", o.ID, "err", err)
		}
	}
	out := checkoutOutput{Order: o, Created: created}
	if s.Pay != nil && o.Status == order.PendingPayment {
		params, err := s.Pay.Prepare(ctx(c), o, sess.OpenID)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind == errs.Internal {
				s.log.ErrorContext(ctx(c), "prepay failed", "order_id", o.ID, "err", err)
				e = errs.E(errs.Internal, "prepay_failed", "WeChat Pay could not be reached; try paying again")
			}
			out.PaymentError = &ErrorDetail{Kind: string(e.Kind), Code: e.Code, Message: e.Message, RequestID: requestID(c)}
		} else {
			out.Payment = params
		}
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	c.JSON(status, out)
}

// checkoutMemoTTL bounds how long a repeated idempotency key is recognised
// without the database (after it, the order is still found by its key unless
// the item has sold out meanwhile).
const checkoutMemoTTL = 24 * time.Hour

func (s *Server) shopPay(c *gin.Context) {
	sess := shopSession(c)
	o, err := s.Orders.Get(ctx(c), sess.MemberID, c.Param("order"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if o.Status != order.PendingPayment {
		s.fail(c, errs.E(errs.Conflict, "not_payable", "this order is "+o.Status))
		return
	}
	if s.Pay == nil {
		s.fail(c, errs.E(errs.Conflict, "payment_not_configured", "payments are not configured"))
		return
	}
	params, err := s.Pay.Prepare(ctx(c), o, sess.OpenID)
	s.reply(c, http.StatusOK, checkoutOutput{Order: o, Payment: params}, err)
}

func (s *Server) shopOrders(c *gin.Context) {
	out, next, err := s.Orders.List(ctx(c), order.ListFilter{MemberID: shopSession(c).MemberID, Status: c.Query("status"), Cursor: c.Query("cursor")})
	s.reply(c, http.StatusOK, page(out, next), err)
}

func (s *Server) shopOrder(c *gin.Context) {
	o, err := s.Orders.Get(ctx(c), shopSession(c).MemberID, c.Param("order"))
	s.reply(c, http.StatusOK, o, err)
}

func (s *Server) shopCancel(c *gin.Context) {
	sess := shopSession(c)
	o, err := s.Orders.Get(ctx(c), sess.MemberID, c.Param("order"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.Pay != nil && o.PrepayID != "" {
		if err := s.Pay.CloseRemote(ctx(c), o); err != nil {
			s.fail(c, err)
			return
		}
	}
	if ok, err := s.Orders.Close(ctx(c), o.ID, "cancelled"); err != nil || !ok {
		if err == nil {
			err = errs.E(errs.Conflict, "not_cancellable", "only unpaid orders can be cancelled; ask for a refund instead")
		}
		s.fail(c, err)
		return
	}
	o, err = s.Orders.Get(ctx(c), sess.MemberID, o.ID)
	s.reply(c, http.StatusOK, o, err)
}

func (s *Server) shopReceipt(c *gin.Context) {
	o, err := s.Orders.Complete(ctx(c), shopSession(c).MemberID, c.Param("order"))
	s.reply(c, http.StatusOK, o, err)
}

func (s *Server) shopRefund(c *gin.Context) {
	var in refundRequestInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Orders.RequestRefund(ctx(c), shopSession(c).MemberID, c.Param("order"), in.Lines, in.Reason)
	s.reply(c, http.StatusCreated, r, err)
}

func (s *Server) payNotify(c *gin.Context) {
	if s.Pay == nil {
		s.fail(c, errStoreNotFound)
		return
	}
	s.wechatPayNotify(c, "payment notification refused", s.Pay.HandleNotify)
}

// wechatPayNotify hands a WeChat Pay notification for the store in the path
// to handle, and answers in WeChat Pay's shape.
func (s *Server) wechatPayNotify(c *gin.Context, refused string, handle func(contextT, *http.Request) error) {
	tid := c.Param("store")
	if !ids.Valid(tid) {
		s.fail(c, errStoreNotFound)
		return
	}
	cx := tenant.WithTenant(ctx(c), tid)
	// A notification is a few KB; the SDK would read any body whole.
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSON)
	if err := handle(cx, c.Request); err != nil {
		// WeChat Pay retries on a non-2xx answer; a forged or mismatched
		// notification changed nothing and is logged.
		s.log.WarnContext(cx, refused, "err", err)
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"code": "FAIL", "message": "notification refused"})
		return
	}
	c.Status(http.StatusNoContent)
}

// --- staff ---

func (s *Server) orderFilter(c *gin.Context) (order.ListFilter, error) {
	f := order.ListFilter{Status: c.Query("status"), Query: c.Query("q"), MemberID: c.Query("member_id"), Cursor: c.Query("cursor")}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return f, errs.Field("limit", "out_of_range", "must be between 1 and 100")
		}
		f.Limit = n
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, errs.Field(p.name, "invalid_time", "must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z")
			}
			*p.dst = &t
		}
	}
	return f, nil
}

func (s *Server) staffOrders(c *gin.Context) {
	f, err := s.orderFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, next, err := s.Orders.List(ctx(c), f)
	if err == nil {
		err = s.lineImages(c, out)
	}
	s.reply(c, http.StatusOK, page(out, next), err)
}

// lineImages puts each line's product image on a page of orders (one query
// for the page), so the list shows thumbnails without a request per line.
func (s *Server) lineImages(c *gin.Context, orders []order.Order) error {
	var pids []string
	for _, o := range orders {
		for _, l := range o.Lines {
			pids = append(pids, l.ProductID)
		}
	}
	covers, err := s.Catalog.Covers(ctx(c), pids)
	if err != nil {
		return err
	}
	for i := range orders {
		for j := range orders[i].Lines {
			orders[i].Lines[j].Image = covers[orders[i].Lines[j].ProductID]
		}
	}
	return nil
}

func (s *Server) staffOrderCounts(c *gin.Context) {
	out, err := s.Orders.Counts(ctx(c))
	s.reply(c, http.StatusOK, out, err)
}

// staffExport streams every matching order as CSV, page by page.
func (s *Server) staffExport(c *gin.Context) {
	f, err := s.orderFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f.Limit = 100
	first, next, err := s.Orders.List(ctx(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="orders.csv"`)
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte("\xEF\xBB\xBF")) // BOM: Excel opens UTF-8 Chinese text correctly
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"order_no", "status", "total_yuan", "currency", "created_at", "paid_at", "carrier", "tracking_no", "refunded_yuan", "recipient", "city"})
	yuan := func(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for batch := first; ; {
		for _, o := range batch {
			_ = w.Write([]string{o.OrderNo, o.Status, yuan(o.Total), o.Currency, o.CreatedAt.UTC().Format(time.RFC3339), at(o.PaidAt),
				o.Carrier, o.TrackingNo, yuan(o.RefundedTotal), o.Address.V["name"], o.Address.V["city"]})
		}
		w.Flush()
		if next == "" {
			break
		}
		f.Cursor = next
		if batch, next, err = s.Orders.List(ctx(c), f); err != nil {
			s.log.ErrorContext(ctx(c), "order export", "err", err)
			return
		}
	}
}

func (s *Server) staffOrder(c *gin.Context) {
	o, err := s.Orders.Get(ctx(c), "", c.Param("order"))
	s.reply(c, http.StatusOK, o, err)
}

func (s *Server) staffShip(c *gin.Context) {
	var in shipInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.Orders.Ship(ctx(c), c.Param("order"), in.Carrier, in.TrackingNo)
	s.reply(c, http.StatusOK, o, err)
}

func (s *Server) staffRefunds(c *gin.Context) {
	out, err := s.Orders.Refunds(ctx(c), c.Query("status"))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) staffReview(c *gin.Context) {
	var in reviewInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Orders.ReviewRefund(ctx(c), c.Param("refund"), in.Approve, in.Note, in.Restock)
	s.reply(c, http.StatusOK, r, err)
}

func (s *Server) staffMembers(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "50"))
	out, next, err := s.Members.List(ctx(c), c.Query("cursor"), limit)
	s.reply(c, http.StatusOK, page(out, next), err)
}

// versions is a store's policy and catalog versions.
type versions struct {
	policy, catalog int64
}

// publicVersions reads a store's policy and catalog versions for a public
// shop read: from the coherent local copies (kv.Near) when the server has
// them, so most public requests make no Redis round trip, and a change is
// still seen at the next request on every instance.
func (s *Server) publicVersions(c *gin.Context, tid string) (versions, bool) {
	keys := []string{s.Enforcers.VersionKey(tid)}
	if s.CatalogVersionKey != nil {
		keys = append(keys, s.CatalogVersionKey(tid))
	}
	vals, err := s.Near.MGet(ctx(c), keys...)
	if err != nil {
		s.fail(c, errs.Wrap(err, "store versions"))
		return versions{}, false
	}
	var v versions
	if v.policy, err = access.VersionOf(vals[0]); err != nil {
		s.fail(c, errs.Wrap(err, "policy version"))
		return versions{}, false
	}
	if len(vals) > 1 {
		v.catalog, _ = access.VersionOf(vals[1])
	}
	return v, true
}

// shopStatusOutput is what the mini-program reads at launch.
type shopStatusOutput struct {
	// Status is open or closed.
	Status       string `json:"status"`
	ServicePhone string `json:"service_phone,omitempty"`
}

func (s *Server) shopStatus(c *gin.Context) {
	out := shopStatusOutput{Status: "open"}
	if s.Billing != nil {
		if err := s.Billing.Open(ctx(c)); errors.Is(err, billing.ErrClosed) {
			out.Status = "closed"
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	contact, err := s.Settings.Contact(ctx(c))
	out.ServicePhone = contact.ServicePhone
	s.reply(c, http.StatusOK, out, err)
}
