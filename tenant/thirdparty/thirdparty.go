// Package thirdparty is the platform as a WeChat third-party platform
// (第三方平台): it receives WeChat's encrypted, signed authorisation events,
// keeps the component access token fresh from the pushed ticket, lets a brand
// authorise its mini-program to the platform, binds the authoriser (its refresh
// token sealed under the brand's tenant), and signs shoppers in through
// sns/component/jscode2session.
package thirdparty

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/shoplet/shoplet/tenant/wxapp"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/openplatform"
	opconfig "github.com/silenceper/wechat/v2/openplatform/config"
	wxutil "github.com/silenceper/wechat/v2/util"
)

// Config is the platform's registration with WeChat.
type Config struct {
	AppID, Secret, MsgToken, AESKey string
}

// Authorizer binds a mini-program (by appid) to a store: a platform directory row.
type Authorizer struct {
	AppID     string `gorm:"primaryKey;column:appid"`
	TenantID  string
	CreatedAt time.Time
}

// Service is the third-party platform.
type Service struct {
	Cfg      Config
	T        *tenant.Store
	R        redis.UniversalClient
	Prefix   string
	Settings *settings.Service
	Audit    *audit.Log
	// CallbackURL is where WeChat sends the brand's browser after authorising.
	CallbackURL string
	// LoginPageBase replaces https://mp.weixin.qq.com in authorisation links
	// (the fake's address in the demo); empty in production.
	LoginPageBase string
	// OnMessage receives verified messages about a store's mini-program
	// (code review results), in the store's context.
	OnMessage func(ctx context.Context, appid string, m Message) error
	op        *openplatform.OpenPlatform
}

// New builds the service.
func New(s Service) *Service {
	s.op = openplatform.NewOpenPlatform(&opconfig.Config{AppID: s.Cfg.AppID, AppSecret: s.Cfg.Secret, Token: s.Cfg.MsgToken,
		EncodingAESKey: s.Cfg.AESKey, Cache: cache.NewMemory()})
	return &s
}

func (s *Service) ticketKey() string { return s.Prefix + "component:ticket:" + s.Cfg.AppID }

var errBadEvent = errors.New("thirdparty: event signature or encryption invalid")

type event struct {
	AppID                 string `xml:"AppId"`
	InfoType              string `xml:"InfoType"`
	ComponentVerifyTicket string `xml:"ComponentVerifyTicket"`
	AuthorizerAppid       string `xml:"AuthorizerAppid"`
}

// open verifies a push (msg_signature over token, timestamp, nonce and the
// ciphertext) and decrypts it. A forged one is refused.
func (s *Service) open(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	var outer struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(body, &outer); err != nil || outer.Encrypt == "" {
		return nil, errBadEvent
	}
	q := r.URL.Query()
	if wxutil.Signature(s.Cfg.MsgToken, q.Get("timestamp"), q.Get("nonce"), outer.Encrypt) != q.Get("msg_signature") {
		return nil, errBadEvent
	}
	_, plain, err := wxutil.DecryptMsg(s.Cfg.AppID, outer.Encrypt, s.Cfg.AESKey)
	if err != nil {
		return nil, errBadEvent
	}
	return plain, nil
}

// HandleEvent verifies, decrypts and applies one pushed authorisation event.
// A forged one changes nothing.
func (s *Service) HandleEvent(ctx context.Context, r *http.Request) error {
	plain, err := s.open(r)
	if err != nil {
		return err
	}
	var ev event
	if err := xml.Unmarshal(plain, &ev); err != nil {
		return errBadEvent
	}
	switch ev.InfoType {
	case "component_verify_ticket":
		// Valid 12 hours; WeChat pushes a new one every 10 minutes.
		return s.R.Set(ctx, s.ticketKey(), ev.ComponentVerifyTicket, 12*time.Hour).Err()
	case "unauthorized":
		return s.unbind(ctx, ev.AuthorizerAppid)
	}
	return nil // authorized / updateauthorized: the browser callback binds
}

// token returns a fresh component access token, from the last pushed ticket.
func (s *Service) token(ctx context.Context) (string, error) {
	if t, err := s.op.GetComponentAccessTokenContext(ctx); err == nil && t != "" {
		return t, nil
	}
	ticket, err := s.R.Get(ctx, s.ticketKey()).Result()
	if errors.Is(err, redis.Nil) {
		return "", errs.E(errs.Conflict, "platform_not_ready", "the platform has not received WeChat's ticket yet; try again in ten minutes")
	}
	if err != nil {
		return "", err
	}
	at, err := s.op.SetComponentAccessTokenContext(ctx, ticket)
	if err != nil {
		return "", wxapp.Translate(err)
	}
	return at.AccessToken, nil
}

// AuthorizeURL is the link a brand's admin opens to authorise the store's
// mini-program to the platform. The state names the store and expires.
func (s *Service) AuthorizeURL(ctx context.Context) (string, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return "", tenant.ErrNoTenant
	}
	if _, err := s.token(ctx); err != nil {
		return "", err
	}
	// The state names the store and the person who asked for the link: the
	// browser callback acts for them (settings and audit are attributed).
	state := ids.Token(18)
	if err := s.R.Set(ctx, s.Prefix+"component:state:"+state, tid+"|"+tenant.ActorFrom(ctx).AccountID, 30*time.Minute).Err(); err != nil {
		return "", err
	}
	// The store's mini-program, when known, is named (biz_appid): WeChat then
	// asks its admin to authorise that one, so the store keeps its appid.
	current, err := s.Settings.GetMiniProgram(ctx)
	if err != nil {
		return "", err
	}
	link, err := s.op.GetComponentLoginPageContext(ctx, s.CallbackURL+"?state="+state, 2, current.AppID)
	if err != nil {
		return "", wxapp.Translate(err)
	}
	if s.LoginPageBase != "" {
		link = strings.Replace(link, "https://mp.weixin.qq.com", strings.TrimRight(s.LoginPageBase, "/"), 1)
	}
	return link, nil
}

// Authorized completes an authorisation: exchanges the code, seals the
// authoriser's refresh token under the store, and binds the appid to it.
// It returns the store.
func (s *Service) Authorized(ctx context.Context, state, authCode string) (string, error) {
	val, err := s.R.GetDel(ctx, s.Prefix+"component:state:"+state).Result()
	if errors.Is(err, redis.Nil) || state == "" {
		return "", errs.E(errs.Invalid, "authorization_expired", "this authorisation link expired; start again from the console")
	}
	if err != nil {
		return "", err
	}
	tid, actor, _ := strings.Cut(val, "|")
	a := tenant.ActorFrom(ctx)
	a.AccountID = actor
	ctx = tenant.WithActor(ctx, a)
	if _, err := s.token(ctx); err != nil {
		return "", err
	}
	info, err := s.op.QueryAuthCodeContext(ctx, authCode)
	if err != nil {
		return "", wxapp.Translate(err)
	}
	ctx = tenant.WithTenant(ctx, tid)
	err = s.T.PlatformTx(ctx, func(pctx context.Context) error {
		if err := s.T.P(pctx).Where("appid = ? OR tenant_id = ?", info.Appid, tid).Delete(&Authorizer{}).Error; err != nil {
			return err
		}
		if err := s.T.P(pctx).Create(&Authorizer{AppID: info.Appid, TenantID: tid, CreatedAt: time.Now().UTC()}).Error; err != nil {
			return err
		}
		return s.T.Tx(pctx, func(ctx context.Context) error {
			if err := s.Settings.BindAuthorizer(ctx, info.Appid, info.RefreshToken); err != nil {
				return err
			}
			return s.Audit.Record(ctx, "miniprogram.authorized", "miniprogram", info.Appid, map[string]any{"via": "third_party_platform"})
		})
	})
	if err == nil {
		s.Settings.Changed(ctx, "miniprogram") // after commit: every instance drops its copies
	}
	return tid, err
}

func (s *Service) unbind(ctx context.Context, appid string) error {
	var a Authorizer
	if err := s.T.P(ctx).Where("appid = ?", appid).Take(&a).Error; err != nil {
		return nil // not ours, or already gone
	}
	ctx = tenant.WithTenant(ctx, a.TenantID)
	// WeChat acts here; settings rows name an author, so the store's owner
	// stands in (the audit entry says WeChat initiated it).
	var owners []string
	if err := s.T.P(ctx).Table("tenants").Where("id = ?", a.TenantID).Pluck("owner_account_id", &owners).Error; err != nil {
		return err
	}
	act := tenant.ActorFrom(ctx)
	if len(owners) > 0 {
		act.AccountID = owners[0]
	}
	ctx = tenant.WithActor(ctx, act)
	err := s.T.PlatformTx(ctx, func(pctx context.Context) error {
		if err := s.T.P(pctx).Where("appid = ?", appid).Delete(&Authorizer{}).Error; err != nil {
			return err
		}
		return s.T.Tx(pctx, func(ctx context.Context) error {
			if err := s.Settings.UnbindAuthorizer(ctx); err != nil {
				return err
			}
			return s.Audit.Record(ctx, "miniprogram.unauthorized", "miniprogram", appid, map[string]any{"initiated_by": "wechat"})
		})
	})
	if err == nil {
		s.Settings.Changed(ctx, "miniprogram")
	}
	return err
}

// Code2Session signs a shopper in on behalf of an authorised mini-program.
func (s *Service) Code2Session(ctx context.Context, appid, code string) (wxapp.Session, error) {
	tok, err := s.token(ctx)
	if err != nil {
		return wxapp.Session{}, err
	}
	u := "https://api.weixin.qq.com/sns/component/jscode2session?" + url.Values{"appid": {appid}, "js_code": {code},
		"grant_type": {"authorization_code"}, "component_appid": {s.Cfg.AppID}, "component_access_token": {tok}}.Encode()
	body, err := wxutil.HTTPGetContext(ctx, u)
	if err != nil {
		return wxapp.Session{}, errs.Wrap(err, "call WeChat")
	}
	var res struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
		OpenID  string `json:"openid"`
		UnionID string `json:"unionid"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return wxapp.Session{}, errs.Wrap(err, "decode code2session")
	}
	if res.ErrCode != 0 {
		return wxapp.Session{}, wxapp.Translate(fmt.Errorf("errcode=%d errmsg=%s", res.ErrCode, res.ErrMsg))
	}
	return wxapp.Session{AppID: appid, OpenID: res.OpenID, UnionID: res.UnionID}, nil
}
