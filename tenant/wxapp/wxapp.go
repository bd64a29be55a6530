// Package wxapp talks to WeChat on behalf of one brand's mini-program through
// silenceper/wechat, with the brand's appid and its sealed app secret, read
// for the tenant in the context only. WeChat's error codes become Shoplet
// errors a shopper or a brand can act on.
package wxapp

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/order"
	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
)

// Clients keeps one silenceper client per brand (appid + secret fingerprint),
// sharing one token cache whose keys include the appid.
type Clients struct {
	Settings *settings.Service
	// Component signs shoppers in for mini-programs that authorised the
	// platform (third-party mode). Nil when the platform is not one.
	Component interface {
		Code2Session(ctx context.Context, appid, code string) (Session, error)
	}
	mu    sync.Mutex
	byKey map[string]*miniprogram.MiniProgram
	cache cache.Cache
}

// New returns an empty client set.
func New(s *settings.Service) *Clients {
	return &Clients{Settings: s, byKey: map[string]*miniprogram.MiniProgram{}, cache: cache.NewMemory()}
}

// ErrNotConnected is returned when the store has not connected its mini-program.
var ErrNotConnected = errs.E(errs.Conflict, "miniprogram_not_connected", "this store has not connected its mini-program yet")

// App returns the store's appid and client.
func (c *Clients) App(ctx context.Context) (string, *miniprogram.MiniProgram, error) {
	if _, ok := tenant.FromContext(ctx); !ok {
		return "", nil, tenant.ErrNoTenant
	}
	v, err := c.Settings.GetMiniProgram(ctx)
	if err != nil {
		return "", nil, err
	}
	return c.app(ctx, v)
}

// app returns the client for settings v already read.
func (c *Clients) app(ctx context.Context, v settings.MiniProgramView) (string, *miniprogram.MiniProgram, error) {
	if v.AppID == "" || !v.AppSecret.Set {
		return "", nil, ErrNotConnected
	}
	key := v.AppID + "|" + v.AppSecret.Fingerprint
	c.mu.Lock()
	mp, ok := c.byKey[key]
	c.mu.Unlock()
	if ok {
		return v.AppID, mp, nil
	}
	secret, err := c.Settings.Reveal(ctx, settings.SecretAppSecret)
	if err != nil {
		return "", nil, err
	}
	mp = miniprogram.NewMiniProgram(&mpconfig.Config{AppID: v.AppID, AppSecret: secret.Reveal(), Cache: c.cache, UseStableAK: true})
	c.mu.Lock()
	c.byKey[key] = mp
	c.mu.Unlock()
	return v.AppID, mp, nil
}

var errcodeRE = regexp.MustCompile(`errcode=(-?\d+)`)

// Translate turns a WeChat error into a Shoplet error; others become internal.
func Translate(err error) error {
	m := errcodeRE.FindStringSubmatch(err.Error())
	if m == nil {
		return errs.Wrap(err, "call WeChat")
	}
	code, _ := strconv.Atoi(m[1])
	switch code {
	case 40029, 40163:
		return errs.Field("code", "invalid_code", "the login code is invalid or was already used; call wx.login again")
	case 45011:
		return &errs.Error{Kind: errs.RateLimited, Code: "wechat_rate_limited", Message: "WeChat is limiting sign-ins for this user; try again in a minute", RetryAfter: 60}
	case 40226:
		return errs.E(errs.Forbidden, "risky_user", "WeChat blocked this sign-in as high risk")
	case 61003:
		return errs.E(errs.Conflict, "not_authorized_to_platform", "this mini-program has not authorised the platform")
	case 40013, 40125, 40001:
		return errs.E(errs.Conflict, "miniprogram_credentials_invalid", "the store's mini-program appid or secret is wrong; the brand must update them")
	case 43101:
		return errs.E(errs.Conflict, "not_subscribed", "the shopper did not agree to this message")
	}
	return errs.Wrap(fmt.Errorf("wechat errcode %d: %w", code, err), "call WeChat")
}

// Session is what jscode2session returns.
type Session struct {
	AppID, OpenID, UnionID string
}

// Code2Session exchanges a wx.login code.
func (c *Clients) Code2Session(ctx context.Context, code string) (Session, error) {
	v, err := c.Settings.GetMiniProgram(ctx)
	if err != nil {
		return Session{}, err
	}
	if v.Mode == "component" {
		if v.AppID == "" || c.Component == nil {
			return Session{}, ErrNotConnected
		}
		return c.Component.Code2Session(ctx, v.AppID, code)
	}
	appid, mp, err := c.app(ctx, v)
	if err != nil {
		return Session{}, err
	}
	res, err := mp.GetAuth().Code2SessionContext(ctx, code)
	if err != nil {
		return Session{}, Translate(err)
	}
	return Session{AppID: appid, OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

// PhoneNumber resolves a getPhoneNumber code.
func (c *Clients) PhoneNumber(ctx context.Context, code string) (string, error) {
	_, mp, err := c.App(ctx)
	if err != nil {
		return "", err
	}
	res, err := mp.GetAuth().GetPhoneNumberContext(ctx, code)
	if err != nil {
		return "", Translate(err)
	}
	return res.PhoneInfo.PurePhoneNumber, nil
}

// Subscribe sends a subscribe message.
func (c *Clients) Subscribe(ctx context.Context, openid, templateID, page string, data map[string]string) error {
	_, mp, err := c.App(ctx)
	if err != nil {
		return err
	}
	items := map[string]*subscribe.DataItem{}
	for k, v := range data {
		items[k] = &subscribe.DataItem{Value: v}
	}
	if err := mp.GetSubscribe().Send(&subscribe.Message{ToUser: openid, TemplateID: templateID, Page: page, Data: items}); err != nil {
		return Translate(err)
	}
	return nil
}

// Shipment is what WeChat needs to release a paid order's funds.
type Shipment struct {
	TransactionID, OpenID, Carrier, TrackingNo, ItemDesc string
}

// UploadShipping reports a shipment to WeChat (without it, funds stay frozen).
func (c *Clients) UploadShipping(ctx context.Context, s Shipment) error {
	_, mp, err := c.App(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	req := &order.UploadShippingInfoRequest{
		OrderKey:      &order.ShippingOrderKey{OrderNumberType: order.NumberTypeTransactionID, TransactionID: s.TransactionID},
		LogisticsType: order.LogisticsTypeExpress, DeliveryMode: order.DeliveryModeUnifiedDelivery,
		ShippingList: []*order.ShippingInfo{{TrackingNo: s.TrackingNo, ExpressCompany: s.Carrier, ItemDesc: s.ItemDesc}},
		UploadTime:   &now, Payer: &order.ShippingPayer{Openid: s.OpenID},
	}
	if err := mp.GetShipping().UploadShippingInfo(req); err != nil {
		return Translate(err)
	}
	return nil
}

// Code returns an image/jpeg mini-program code that opens page with scene
// (at most 32 visible characters), for packaging and in-store displays.
func (c *Clients) Code(ctx context.Context, scene, page string) ([]byte, error) {
	_, mp, err := c.App(ctx)
	if err != nil {
		return nil, err
	}
	check := false // the page may not be released yet when the brand prints codes
	img, err := mp.GetQRCode().GetWXACodeUnlimit(qrcode.QRCoder{Scene: scene, Page: page, CheckPath: &check, Width: 430})
	if err != nil {
		return nil, Translate(err)
	}
	return img, nil
}
