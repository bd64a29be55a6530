// Package wechatfake is a local fake of WeChat's server APIs
// (api.weixin.qq.com) and of WeChat Pay API v3 (api.mch.weixin.qq.com and the
// cross-border apihk host) that speaks the documented protocol: errcode bodies,
// signed responses, encrypted and signed notifications with retries. Tests and
// the embedded demo point the real SDKs at it through their HTTP transport
// (see pkg/wechat); it never runs unless configured.
package wechatfake

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Server is the fake. Register apps and merchants, then serve Handler().
type Server struct {
	mu         sync.Mutex
	apps       map[string]string // appid -> secret
	components map[string]string // component appid -> component access token
	authorized map[string]string // authorizer appid -> component appid
	tokens     map[string]string // access token -> appid
	usedCodes  map[string]bool
	phoneCodes map[string]string // code -> phone number
	// Messages and Shipping record what was sent, for tests and the demo.
	Messages []SubscribeMessage
	Shipping []map[string]any
	Pay      *Pay
	now      func() time.Time
	// third-party platforms (component.go)
	platforms map[string]*ComponentPlatform
	preAuth   map[string]string
	authCodes map[string]authCode
	refresh   map[string]string // authorizer refresh token -> appid
	// code management (codeman.go)
	minis      map[string]*MiniState
	templates  map[int64]*Template
	drafts     map[int64]*Template
	messageURL map[string]string
	autoAudit  time.Duration
	seq        int64
	lastPush   [2]string
}

// SubscribeMessage is one subscribe message sent through the fake.
type SubscribeMessage struct {
	AppID      string         `json:"appid"`
	ToUser     string         `json:"touser"`
	TemplateID string         `json:"template_id"`
	Page       string         `json:"page"`
	Data       map[string]any `json:"data"`
}

// New returns an empty fake with a WeChat Pay fake attached.
func New() (*Server, error) {
	p, err := NewPay()
	if err != nil {
		return nil, err
	}
	return &Server{apps: map[string]string{}, components: map[string]string{}, authorized: map[string]string{},
		tokens: map[string]string{}, usedCodes: map[string]bool{}, phoneCodes: map[string]string{}, Pay: p, now: time.Now,
		platforms: map[string]*ComponentPlatform{}, preAuth: map[string]string{}, authCodes: map[string]authCode{}, refresh: map[string]string{},
		minis: map[string]*MiniState{}, templates: map[int64]*Template{}, drafts: map[int64]*Template{}, messageURL: map[string]string{}}, nil
}

// AddApp registers a mini-program.
func (s *Server) AddApp(appid, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[appid] = secret
}

// AddComponent registers a third-party platform with a component access token
// and the mini-programs that authorised it.
func (s *Server) AddComponent(componentAppID, token string, authorizers ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.components[componentAppID] = token
	for _, a := range authorizers {
		s.authorized[a] = componentAppID
	}
}

// AddPhoneCode makes a getPhoneNumber code that resolves to phone once.
func (s *Server) AddPhoneCode(code, phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneCodes[code] = phone
}

// Login codes. Real codes come from wx.login on a phone; the fake accepts
// "user:<name>:<nonce>" (one use each) and answers with an OpenID derived from
// the app and <name>, so one name is one shopper per brand, as with WeChat.
// "invalid", "ratelimited" and "risky" return 40029, 45011 and 40226.

// OpenID is the OpenID the fake gives name in appid.
func OpenID(appid, name string) string { return "o" + digest(appid + "|" + name)[:27] }

// UnionID is the UnionID the fake gives name (the same across apps).
func UnionID(name string) string { return "u" + digest("union|" + name)[:27] }

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func wxErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": fmt.Sprintf("%s rid: %x", msg, time.Now().UnixNano()&0xffffff)})
}

// Handler serves both fakes; WeChat Pay paths start with /v3/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sns/jscode2session", s.code2session)
	mux.HandleFunc("GET /sns/component/jscode2session", s.componentCode2session)
	mux.HandleFunc("GET /cgi-bin/token", s.token)
	mux.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	mux.HandleFunc("POST /wxa/business/getuserphonenumber", s.phone)
	mux.HandleFunc("POST /cgi-bin/message/subscribe/send", s.subscribe)
	mux.HandleFunc("POST /wxa/sec/order/upload_shipping_info", s.shipping)
	mux.HandleFunc("POST /wxa/getwxacodeunlimit", s.wxacode)
	s.Pay.routes(mux)
	s.demoRoutes(mux)
	s.componentRoutes(mux)
	s.codeRoutes(mux)
	return mux
}

func (s *Server) loginCode(w http.ResponseWriter, appid, code string) {
	switch code {
	case "invalid", "":
		wxErr(w, 40029, "invalid code")
		return
	case "ratelimited":
		wxErr(w, 45011, "api minute-quota reach limit  mustslower  retry next minute")
		return
	case "risky":
		wxErr(w, 40226, "code blocked")
		return
	}
	parts := strings.Split(code, ":")
	if len(parts) != 3 || parts[0] != "user" || parts[1] == "" {
		wxErr(w, 40029, "invalid code")
		return
	}
	s.mu.Lock()
	used := s.usedCodes[appid+"|"+code]
	s.usedCodes[appid+"|"+code] = true
	s.mu.Unlock()
	if used {
		wxErr(w, 40163, "code been used")
		return
	}
	writeJSON(w, map[string]any{"openid": OpenID(appid, parts[1]), "session_key": digest(code)[:24], "unionid": UnionID(parts[1])})
}

func (s *Server) code2session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	secret, ok := s.apps[q.Get("appid")]
	s.mu.Unlock()
	if !ok {
		wxErr(w, 40013, "invalid appid")
		return
	}
	if secret != q.Get("secret") {
		wxErr(w, 40125, "invalid appsecret")
		return
	}
	if q.Get("grant_type") != "authorization_code" {
		wxErr(w, 40002, "invalid grant_type")
		return
	}
	s.loginCode(w, q.Get("appid"), q.Get("js_code"))
}

func (s *Server) componentCode2session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	tok, ok := s.components[q.Get("component_appid")]
	authBy := s.authorized[q.Get("appid")]
	s.mu.Unlock()
	if !ok || tok != q.Get("component_access_token") {
		wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	if authBy != q.Get("component_appid") {
		wxErr(w, 61003, "component is not authorized by this account")
		return
	}
	s.loginCode(w, q.Get("appid"), q.Get("js_code"))
}

func (s *Server) issueToken(w http.ResponseWriter, appid, secret string) {
	s.mu.Lock()
	want, ok := s.apps[appid]
	s.mu.Unlock()
	if !ok {
		wxErr(w, 40013, "invalid appid")
		return
	}
	if want != secret {
		wxErr(w, 40125, "invalid appsecret")
		return
	}
	tok := "ACCESS_" + digest(fmt.Sprint(appid, s.now().UnixNano()))[:32]
	s.mu.Lock()
	s.tokens[tok] = appid
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.issueToken(w, q.Get("appid"), q.Get("secret"))
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	var in struct{ GrantType, AppID, Secret string }
	var raw map[string]any
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		wxErr(w, 47001, "data format error")
		return
	}
	in.AppID, _ = raw["appid"].(string)
	in.Secret, _ = raw["secret"].(string)
	s.issueToken(w, in.AppID, in.Secret)
}

// appOf checks the access_token query parameter.
func (s *Server) appOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	s.mu.Lock()
	appid, ok := s.tokens[r.URL.Query().Get("access_token")]
	s.mu.Unlock()
	if !ok {
		wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
	}
	return appid, ok
}

func (s *Server) phone(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.appOf(w, r); !ok {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	phone, ok := s.phoneCodes[in.Code]
	delete(s.phoneCodes, in.Code)
	s.mu.Unlock()
	if !ok {
		wxErr(w, 40029, "invalid code")
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "phone_info": map[string]any{
		"phoneNumber": "+86" + phone, "purePhoneNumber": phone, "countryCode": "86",
		"watermark": map[string]any{"timestamp": s.now().Unix(), "appid": ""}}})
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	appid, ok := s.appOf(w, r)
	if !ok {
		return
	}
	var m SubscribeMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		wxErr(w, 47001, "data format error")
		return
	}
	switch {
	case !strings.HasPrefix(m.ToUser, "o"):
		wxErr(w, 40003, "invalid openid")
		return
	case m.TemplateID == "":
		wxErr(w, 40037, "invalid template_id")
		return
	case len(m.Data) == 0:
		wxErr(w, 47003, "argument invalid! data.thing1.value is empty")
		return
	}
	m.AppID = appid
	s.mu.Lock()
	s.Messages = append(s.Messages, m)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": time.Now().UnixNano()})
}

func (s *Server) shipping(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.appOf(w, r); !ok {
		return
	}
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		wxErr(w, 47001, "data format error")
		return
	}
	if m["order_key"] == nil || m["shipping_list"] == nil || m["payer"] == nil {
		wxErr(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	s.Shipping = append(s.Shipping, m)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// SentMessages returns a copy of the subscribe messages sent so far.
func (s *Server) SentMessages() []SubscribeMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SubscribeMessage(nil), s.Messages...)
}

// ShippingUploads returns a copy of the shipping information uploaded so far.
func (s *Server) ShippingUploads() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.Shipping...)
}

// Demo helpers, for a newcomer driving the fake with curl: they hand out
// credentials in the shapes WeChat does, without registering anything (a
// store registers when it saves its settings, as with WeChat itself).
func (s *Server) demoRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /fake/app", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"app_id": "wx" + strings.ToLower(randHex(8))[:16], "app_secret": strings.ToLower(randHex(16))})
	})
	mux.HandleFunc("POST /fake/merchant", func(w http.ResponseWriter, r *http.Request) {
		m, err := NewMerchantCredentials()
		if err != nil {
			wxErr(w, -1, err.Error())
			return
		}
		m.PlatformPublicKeyID, m.PlatformPublicKey = PublicKeyID, s.Pay.PlatformPublicKeyPEM()
		writeJSON(w, m)
	})
	mux.HandleFunc("GET /fake/login-code", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "shopper"
		}
		writeJSON(w, map[string]any{"code": "user:" + strings.ReplaceAll(name, ":", "_") + ":" + randHex(4)})
	})
	// The review team: end a mini-program's audit (result success, fail or delay).
	mux.HandleFunc("POST /fake/audit", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		st, err := s.CompleteAudit(q.Get("appid"), q.Get("result"), q.Get("reason"))
		if err != nil {
			wxErr(w, -1, err.Error())
			return
		}
		writeJSON(w, map[string]any{"pushed": st})
	})
}

// MerchantCredentials is what a brand enters for a direct WeChat Pay account.
type MerchantCredentials struct {
	MchID               string `json:"mch_id"`
	CertSerial          string `json:"cert_serial"`
	APIv3Key            string `json:"api_v3_key"`
	PrivateKey          string `json:"private_key"`
	PlatformPublicKeyID string `json:"platform_public_key_id"`
	PlatformPublicKey   string `json:"platform_public_key"`
	Mode                string `json:"mode"`
}

// NewMerchantCredentials makes a fresh merchant key and ids.
func NewMerchantCredentials() (MerchantCredentials, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return MerchantCredentials{}, err
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return MerchantCredentials{MchID: "19" + randDigits(8), CertSerial: randHex(20), APIv3Key: strings.ToLower(randHex(16)),
		PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), Mode: "direct"}, nil
}

func randDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

var (
	sceneRE = regexp.MustCompile(`^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$`)
	pageRE  = regexp.MustCompile(`^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$`)
)

// wxacode answers getwxacodeunlimit: an image/jpeg mini-program code, or
// WeChat's errors for a bad scene (40169) or page (41030).
func (s *Server) wxacode(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.appOf(w, r); !ok {
		return
	}
	var in struct {
		Scene string `json:"scene"`
		Page  string `json:"page"`
		Width int    `json:"width"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		wxErr(w, 47001, "data format error")
		return
	}
	if !sceneRE.MatchString(in.Scene) {
		wxErr(w, 40169, "invalid length for scene, or the data is not json string")
		return
	}
	if in.Page != "" && !pageRE.MatchString(in.Page) {
		wxErr(w, 41030, "invalid page rid")
		return
	}
	img, err := codeImageSized(in.Scene, in.Width)
	if err != nil {
		wxErr(w, -1, "system error")
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(img)
}

func codeImage(payload string) ([]byte, error) { return codeImageSized(payload, 430) }

// codeImageSized draws a JPEG that differs by payload, so tests can tell codes apart.
func codeImageSized(payload string, size int) ([]byte, error) {
	if size < 280 || size > 1280 {
		size = 430
	}
	h := sha256.Sum256([]byte(payload))
	img := image.NewGray(image.Rect(0, 0, size, size))
	cell := size / 16
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			bit := h[((y/cell)*16+(x/cell))%32] >> uint((x/cell)%8) & 1
			if bit == 1 {
				img.SetGray(x, y, color.Gray{Y: 0})
			} else {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes(), err
}
