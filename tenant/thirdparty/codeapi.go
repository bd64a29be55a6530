package thirdparty

import (
	"bytes"
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
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/settings"
	wxutil "github.com/silenceper/wechat/v2/util"
)

// silenceper/wechat has the component tokens but none of the code-management
// calls (commit, audit, release, domains, privacy, templates); these are thin
// wrappers over WeChat's HTTP API with the authoriser's access token.

// WxError is an error code from WeChat. Every one is final for the request
// that got it (retrying the same request gets the same answer), except the
// token errors, which Call handles itself.
type WxError struct {
	Code int
	Msg  string
}

func (e *WxError) Error() string { return fmt.Sprintf("wechat errcode=%d errmsg=%s", e.Code, e.Msg) }

const wxBase = "https://api.weixin.qq.com"

// authorizerKey caches the store's authoriser access token (appid|token).
func (s *Service) authorizerKey(tid string) string { return s.Prefix + "component:authr:{" + tid + "}" }

// AuthorizerToken returns the appid and a fresh authoriser access token of the
// store in ctx, refreshing it from the sealed refresh token when needed.
func (s *Service) AuthorizerToken(ctx context.Context, force bool) (appid, token string, err error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return "", "", tenant.ErrNoTenant
	}
	v, err := s.Settings.GetMiniProgram(ctx)
	if err != nil {
		return "", "", err
	}
	if v.Mode != "component" || v.AppID == "" {
		return "", "", errs.E(errs.Conflict, "miniprogram_not_authorized",
			"authorise the store's mini-program to the platform first (Settings → Mini-program → Authorise)")
	}
	if !force {
		if c, err := s.R.Get(ctx, s.authorizerKey(tid)).Result(); err == nil {
			if app, tok, _ := strings.Cut(c, "|"); app == v.AppID && tok != "" {
				return app, tok, nil
			}
		} else if !errors.Is(err, redis.Nil) {
			return "", "", err
		}
	}
	refresh, err := s.Settings.Reveal(ctx, settings.SecretAuthorizerRefreshToken)
	if err != nil {
		return "", "", err
	}
	ctok, err := s.token(ctx)
	if err != nil {
		return "", "", err
	}
	var out struct {
		Token   string `json:"authorizer_access_token"`
		Expires int    `json:"expires_in"`
		Refresh string `json:"authorizer_refresh_token"`
	}
	q := url.Values{"component_access_token": {ctok}}
	in := map[string]string{"component_appid": s.Cfg.AppID, "authorizer_appid": v.AppID, "authorizer_refresh_token": refresh.Reveal()}
	if err := s.do(ctx, http.MethodPost, "/cgi-bin/component/api_authorizer_token", q, in, &out); err != nil {
		return "", "", err
	}
	if out.Refresh != "" && out.Refresh != refresh.Reveal() {
		// WeChat may rotate the refresh token; keep the new one sealed.
		if err := s.T.Tx(ctx, func(ctx context.Context) error { return s.Settings.BindAuthorizer(ctx, v.AppID, out.Refresh) }); err != nil {
			return "", "", err
		}
	}
	ttl := time.Duration(out.Expires-300) * time.Second
	if ttl <= 0 {
		ttl = time.Minute
	}
	if err := s.R.Set(ctx, s.authorizerKey(tid), v.AppID+"|"+out.Token, ttl).Err(); err != nil {
		return "", "", err
	}
	return v.AppID, out.Token, nil
}

// Call invokes a code-management API for the store in ctx (GET when in is
// nil) and decodes the JSON answer into out. An expired token is refreshed
// once.
func (s *Service) Call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	_, err := s.CallRaw(ctx, method, path, query, in, out)
	return err
}

// CallRaw is Call for APIs that answer with bytes (an image) on success; it
// returns them, or decodes JSON into out.
func (s *Service) CallRaw(ctx context.Context, method, path string, query url.Values, in, out any) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		_, tok, err := s.AuthorizerToken(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("access_token", tok)
		raw, err := s.send(ctx, method, path, q, in, out)
		var we *WxError
		if attempt == 0 && errors.As(err, &we) && (we.Code == 40001 || we.Code == 42001 || we.Code == 40014) {
			continue
		}
		return raw, err
	}
}

// ComponentCall invokes a template-library API with the component access token.
func (s *Service) ComponentCall(ctx context.Context, method, path string, in, out any) error {
	tok, err := s.token(ctx)
	if err != nil {
		return err
	}
	return s.do(ctx, method, path, url.Values{"access_token": {tok}}, in, out)
}

func (s *Service) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	_, err := s.send(ctx, method, path, q, in, out)
	return err
}

// send makes one request. JSON answers carrying a non-zero errcode become
// *WxError; other answers are returned as bytes.
func (s *Service) send(ctx context.Context, method, path string, q url.Values, in, out any) ([]byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, wxBase+path+"?"+q.Encode(), body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := wxutil.DefaultHTTPClient.Do(req)
	if err != nil {
		return nil, errs.Wrap(err, "call WeChat "+path)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, errs.Wrap(err, "read WeChat "+path)
	}
	if res.StatusCode != http.StatusOK {
		return nil, errs.Wrap(fmt.Errorf("HTTP %d", res.StatusCode), "call WeChat "+path)
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		return raw, nil
	}
	var e struct {
		Code int    `json:"errcode"`
		Msg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, errs.Wrap(err, "decode WeChat "+path)
	}
	if e.Code != 0 {
		return nil, &WxError{Code: e.Code, Msg: e.Msg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, errs.Wrap(err, "decode WeChat "+path)
		}
	}
	return nil, nil
}

// Message is an event WeChat pushed about an authorised mini-program
// (消息与事件接收URL), such as the end of a code review.
type Message struct {
	ToUserName string `xml:"ToUserName"`
	MsgType    string `xml:"MsgType"`
	Event      string `xml:"Event"`
	Reason     string `xml:"Reason"`
	SuccTime   int64  `xml:"SuccTime"`
	FailTime   int64  `xml:"FailTime"`
	DelayTime  int64  `xml:"DelayTime"`
	ScreenShot string `xml:"ScreenShot"`
}

// HandleMessage verifies and decrypts a message pushed for the mini-program
// appid and hands it to OnMessage in the context of the store it belongs to.
// Messages for mini-programs no store holds are acknowledged and dropped.
func (s *Service) HandleMessage(ctx context.Context, appid string, r *http.Request) error {
	plain, err := s.open(r)
	if err != nil {
		return err
	}
	var m Message
	if err := xml.Unmarshal(plain, &m); err != nil {
		return errBadEvent
	}
	var a Authorizer
	if err := s.T.P(ctx).Where("appid = ?", appid).Take(&a).Error; err != nil {
		return nil
	}
	if s.OnMessage == nil {
		return nil
	}
	return s.OnMessage(tenant.WithTenant(ctx, a.TenantID), appid, m)
}
