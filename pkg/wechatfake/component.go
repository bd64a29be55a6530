package wechatfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	wxutil "github.com/silenceper/wechat/v2/util"
)

// ComponentPlatform is a third-party platform (第三方平台) registered with the fake.
type ComponentPlatform struct {
	AppID, Secret, MsgToken, AESKey string
	ticket                          string
}

type authCode struct{ component, authorizer string }

func (s *Server) componentRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /cgi-bin/component/api_component_token", s.componentToken)
	mux.HandleFunc("POST /cgi-bin/component/api_create_preauthcode", s.preAuthCode)
	mux.HandleFunc("GET /cgi-bin/componentloginpage", s.componentLoginPage)
	mux.HandleFunc("POST /cgi-bin/component/api_query_auth", s.queryAuth)
}

// RegisterComponent makes a third-party platform known to the fake.
func (s *Server) RegisterComponent(p ComponentPlatform) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := p
	s.platforms[p.AppID] = &cp
}

// push sends an encrypted, signed event the way WeChat pushes to a platform's
// 授权事件接收URL (WXBizMsgCrypt: AES-256-CBC, sha1 signature over sorted parts).
func (s *Server) push(target, componentAppID, inner string) (int, error) {
	return s.pushTo(target, componentAppID, "AppId", componentAppID, inner)
}

// pushTo sends inner encrypted in an envelope whose plain tag is outerTag
// (AppId for authorisation events, ToUserName for a mini-program's messages).
func (s *Server) pushTo(target, componentAppID, outerTag, outerValue, inner string) (int, error) {
	s.mu.Lock()
	p, ok := s.platforms[componentAppID]
	s.mu.Unlock()
	if !ok {
		return 0, errors.New("unknown component")
	}
	random := []byte(randHex(8))
	enc, err := wxutil.EncryptMsg(random, []byte(inner), p.AppID, p.AESKey)
	if err != nil {
		return 0, err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), randHex(5)
	sig := wxutil.Signature(p.MsgToken, ts, nonce, string(enc))
	body := fmt.Sprintf("<xml><%s><![CDATA[%s]]></%s><Encrypt><![CDATA[%s]]></Encrypt></xml>", outerTag, outerValue, outerTag, enc)
	u := target + "?" + url.Values{"timestamp": {ts}, "nonce": {nonce}, "encrypt_type": {"aes"}, "msg_signature": {sig}, "signature": {wxutil.Signature(p.MsgToken, ts, nonce)}}.Encode()
	s.mu.Lock()
	s.lastPush = [2]string{u, body}
	s.mu.Unlock()
	res, err := http.Post(u, "text/xml", bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	return res.StatusCode, nil
}

// ReplayLastPush sends the last pushed event again, byte for byte, as WeChat
// does when it did not see "success" in time.
func (s *Server) ReplayLastPush() (int, error) {
	s.mu.Lock()
	last := s.lastPush
	s.mu.Unlock()
	res, err := http.Post(last[0], "text/xml", strings.NewReader(last[1]))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	return res.StatusCode, nil
}

// PushTicket issues a new component_verify_ticket and pushes it (WeChat does every 10 minutes).
func (s *Server) PushTicket(target, componentAppID string) (int, error) {
	t := "ticket@@@" + randHex(16)
	s.mu.Lock()
	if p, ok := s.platforms[componentAppID]; ok {
		p.ticket = t
	}
	s.mu.Unlock()
	return s.push(target, componentAppID, fmt.Sprintf("<xml><AppId><![CDATA[%s]]></AppId><CreateTime>%d</CreateTime>"+
		"<InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[%s]]></ComponentVerifyTicket></xml>",
		componentAppID, time.Now().Unix(), t))
}

// PushUnauthorized tells the platform a mini-program withdrew its authorisation.
func (s *Server) PushUnauthorized(target, componentAppID, authorizerAppID string) (int, error) {
	s.mu.Lock()
	delete(s.authorized, authorizerAppID)
	s.mu.Unlock()
	return s.push(target, componentAppID, fmt.Sprintf("<xml><AppId><![CDATA[%s]]></AppId><CreateTime>%d</CreateTime>"+
		"<InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[%s]]></AuthorizerAppid></xml>",
		componentAppID, time.Now().Unix(), authorizerAppID))
}

func (s *Server) componentToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AppID  string `json:"component_appid"`
		Secret string `json:"component_appsecret"`
		Ticket string `json:"component_verify_ticket"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		wxErr(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	p, ok := s.platforms[in.AppID]
	s.mu.Unlock()
	switch {
	case !ok || p.Secret != in.Secret:
		wxErr(w, 40013, "invalid appid or appsecret")
		return
	case p.ticket == "" || p.ticket != in.Ticket:
		wxErr(w, 61006, "component ticket is invalid")
		return
	}
	tok := "COMPONENT_" + randHex(16)
	s.mu.Lock()
	s.components[in.AppID] = tok
	s.mu.Unlock()
	writeJSON(w, map[string]any{"component_access_token": tok, "expires_in": 7200})
}

func (s *Server) componentOf(r *http.Request) (string, bool) {
	tok := r.URL.Query().Get("component_access_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	for app, t := range s.components {
		if t == tok {
			return app, true
		}
	}
	return "", false
}

func (s *Server) preAuthCode(w http.ResponseWriter, r *http.Request) {
	app, ok := s.componentOf(r)
	if !ok {
		wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	code := "preauthcode@@@" + randHex(12)
	s.mu.Lock()
	s.preAuth[code] = app
	s.mu.Unlock()
	writeJSON(w, map[string]any{"pre_auth_code": code, "expires_in": 1800})
}

// componentLoginPage stands for the page where the brand's admin scans and
// confirms: it authorises at once and redirects with an auth_code. The
// authorising mini-program is biz_appid, or a new one.
func (s *Server) componentLoginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	comp, ok := s.preAuth[q.Get("pre_auth_code")]
	delete(s.preAuth, q.Get("pre_auth_code"))
	s.mu.Unlock()
	if !ok || comp != q.Get("component_appid") {
		http.Error(w, "pre_auth_code is invalid or expired", http.StatusBadRequest)
		return
	}
	authorizer := q.Get("biz_appid")
	if authorizer == "" {
		authorizer = "wx" + strings.ToLower(randHex(8))
	}
	code := "queryauthcode@@@" + randHex(16)
	s.mu.Lock()
	s.authCodes[code] = authCode{component: comp, authorizer: authorizer}
	s.authorized[authorizer] = comp
	s.mu.Unlock()
	redirect := q.Get("redirect_uri")
	sep := "?"
	if strings.Contains(redirect, "?") {
		sep = "&"
	}
	http.Redirect(w, r, redirect+sep+"auth_code="+url.QueryEscape(code)+"&expires_in=3600", http.StatusFound)
}

func (s *Server) queryAuth(w http.ResponseWriter, r *http.Request) {
	app, ok := s.componentOf(r)
	if !ok {
		wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var in struct {
		Code string `json:"authorization_code"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	ac, ok := s.authCodes[in.Code]
	delete(s.authCodes, in.Code)
	s.mu.Unlock()
	if !ok || ac.component != app {
		wxErr(w, 61010, "code is expired")
		return
	}
	tok, rt := "AUTHORIZER_"+randHex(16), "refreshtoken@@@"+randHex(16)
	s.mu.Lock()
	s.tokens[tok] = ac.authorizer
	s.refresh[rt] = ac.authorizer
	s.mu.Unlock()
	writeJSON(w, map[string]any{"authorization_info": map[string]any{"authorizer_appid": ac.authorizer, "authorizer_access_token": tok,
		"expires_in": 7200, "authorizer_refresh_token": rt, "func_info": []any{}}})
}
