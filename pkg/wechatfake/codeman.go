package wechatfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Code management on behalf of authorised mini-programs (代码管理), and the
// platform's template library: what a third-party platform uses to publish
// brands' mini-programs. The state machine follows WeChat's: commit makes the
// trial version, submit_audit starts a review, the review ends with a pushed
// event, release makes the approved version live, revertcoderelease goes back
// one release.

// Template is one entry of a platform's code template library.
type Template struct {
	ID          int64    `json:"template_id"`
	UserVersion string   `json:"user_version"`
	UserDesc    string   `json:"user_desc"`
	CreateTime  int64    `json:"create_time"`
	Pages       []string `json:"-"`
	component   string
}

type codeVersion struct {
	TemplateID int64
	ExtJSON    string
	Version    string
	Desc       string
}

type auditRec struct {
	ID      int64
	Status  int // 0 passed, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed
	Reason  string
	Version codeVersion
	Submit  int64
}

// MiniState is what WeChat holds for one authorised mini-program.
type MiniState struct {
	Domains   map[string][]string
	Privacy   map[string]any
	Committed *codeVersion
	Audit     *auditRec
	Released  []codeVersion // release history, newest last
	Submits   int
}

// Live returns the user_version of the live release, "" when none.
func (s *Server) Live(appid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.minis[appid]
	if m == nil || len(m.Released) == 0 {
		return ""
	}
	return m.Released[len(m.Released)-1].Version
}

// Domains returns the server domains set for appid, by kind.
func (s *Server) Domains(appid string) map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.minis[appid]; m != nil {
		return m.Domains
	}
	return nil
}

// AddTemplate puts a template in a platform's library (as if a draft had been
// added with addtotemplate) and returns its id.
func (s *Server) AddTemplate(componentAppID, userVersion, desc string, pages ...string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if len(pages) == 0 {
		pages = []string{"pages/home/index"}
	}
	s.templates[s.seq] = &Template{ID: s.seq, UserVersion: userVersion, UserDesc: desc, CreateTime: s.now().Unix(), Pages: pages, component: componentAppID}
	return s.seq
}

// AddDraft puts a draft (code uploaded from the platform's development
// mini-program) in a platform's draft box and returns its id.
func (s *Server) AddDraft(componentAppID, userVersion, desc string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.drafts[s.seq] = &Template{ID: s.seq, UserVersion: userVersion, UserDesc: desc, CreateTime: s.now().Unix(), component: componentAppID,
		Pages: []string{"pages/home/index"}}
	return s.seq
}

// SetMessageURL sets a platform's 消息与事件接收URL; "$APPID$" is replaced
// with the authoriser's appid, as WeChat does.
func (s *Server) SetMessageURL(componentAppID, u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messageURL[componentAppID] = u
}

// AutoAudit, when positive, ends every review that long after submission
// with a pass (the demo); tests call CompleteAudit instead.
func (s *Server) SetAutoAudit(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoAudit = d
}

func (s *Server) codeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /cgi-bin/component/api_authorizer_token", s.authorizerToken)
	mux.HandleFunc("GET /wxa/gettemplatelist", s.templateList)
	mux.HandleFunc("GET /wxa/gettemplatedraftlist", s.draftList)
	mux.HandleFunc("POST /wxa/addtotemplate", s.addToTemplate)
	mux.HandleFunc("POST /wxa/modify_domain", s.modifyDomain)
	mux.HandleFunc("POST /cgi-bin/component/setprivacysetting", s.setPrivacy)
	mux.HandleFunc("POST /cgi-bin/component/getprivacysetting", s.getPrivacy)
	mux.HandleFunc("POST /wxa/commit", s.commit)
	mux.HandleFunc("GET /wxa/get_qrcode", s.trialQR)
	mux.HandleFunc("GET /wxa/get_category", s.category)
	mux.HandleFunc("GET /wxa/get_page", s.pages)
	mux.HandleFunc("POST /wxa/submit_audit", s.submitAudit)
	mux.HandleFunc("POST /wxa/get_auditstatus", s.auditStatus)
	mux.HandleFunc("GET /wxa/get_latest_auditstatus", s.latestAudit)
	mux.HandleFunc("GET /wxa/undocodeaudit", s.undoAudit)
	mux.HandleFunc("POST /wxa/release", s.release)
	mux.HandleFunc("GET /wxa/revertcoderelease", s.revert)
}

// authorizer resolves an authorizer_access_token; the mini-program must still
// authorise the platform. It writes the error itself.
func (s *Server) authorizer(w http.ResponseWriter, r *http.Request) (string, *MiniState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	appid, ok := s.tokens[r.URL.Query().Get("access_token")]
	if !ok {
		wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return "", nil, false
	}
	if _, ok := s.authorized[appid]; !ok {
		wxErr(w, 61003, "component is not authorized by this account")
		return "", nil, false
	}
	m := s.minis[appid]
	if m == nil {
		m = &MiniState{Domains: map[string][]string{}}
		s.minis[appid] = m
	}
	return appid, m, true
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		wxErr(w, 47001, "data format error")
		return false
	}
	return true
}

func ok(w http.ResponseWriter, extra map[string]any) {
	out := map[string]any{"errcode": 0, "errmsg": "ok"}
	for k, v := range extra {
		out[k] = v
	}
	writeJSON(w, out)
}

func (s *Server) authorizerToken(w http.ResponseWriter, r *http.Request) {
	comp, found := s.componentOf(r)
	if !found {
		wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var in struct {
		Component string `json:"component_appid"`
		AppID     string `json:"authorizer_appid"`
		Refresh   string `json:"authorizer_refresh_token"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	owner := s.refresh[in.Refresh]
	authorizedTo := s.authorized[in.AppID]
	s.mu.Unlock()
	switch {
	case in.Component != comp:
		wxErr(w, 40013, "invalid appid")
		return
	case owner == "" || owner != in.AppID:
		wxErr(w, 61023, "refresh_token is invalid")
		return
	case authorizedTo != comp:
		wxErr(w, 61003, "component is not authorized by this account")
		return
	}
	tok := "AUTHORIZER_" + randHex(16)
	s.mu.Lock()
	s.tokens[tok] = in.AppID
	s.mu.Unlock()
	writeJSON(w, map[string]any{"authorizer_access_token": tok, "expires_in": 7200, "authorizer_refresh_token": in.Refresh})
}

// componentByAccessToken: template library calls take the component access
// token as access_token.
func (s *Server) componentByAccessToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	for app, t := range s.components {
		if t == tok {
			return app, true
		}
	}
	wxErr(w, 40001, "invalid credential, access_token is invalid or not latest")
	return "", false
}

func (s *Server) listOf(comp string, m map[int64]*Template) []Template {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Template{}
	for _, t := range m {
		if t.component == comp {
			out = append(out, *t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

func (s *Server) templateList(w http.ResponseWriter, r *http.Request) {
	if comp, ok := s.componentByAccessToken(w, r); ok {
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "template_list": s.listOf(comp, s.templates)})
	}
}

func (s *Server) draftList(w http.ResponseWriter, r *http.Request) {
	comp, found := s.componentByAccessToken(w, r)
	if !found {
		return
	}
	list := s.listOf(comp, s.drafts)
	out := make([]map[string]any, len(list))
	for i, d := range list {
		out[i] = map[string]any{"draft_id": d.ID, "user_version": d.UserVersion, "user_desc": d.UserDesc, "create_time": d.CreateTime}
	}
	ok(w, map[string]any{"draft_list": out})
}

func (s *Server) addToTemplate(w http.ResponseWriter, r *http.Request) {
	comp, found := s.componentByAccessToken(w, r)
	if !found {
		return
	}
	var in struct {
		DraftID int64 `json:"draft_id"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	d, found := s.drafts[in.DraftID]
	if found && d.component == comp {
		s.seq++
		t := *d
		t.ID, t.CreateTime = s.seq, s.now().Unix()
		s.templates[t.ID] = &t
	}
	s.mu.Unlock()
	if !found || d.component != comp {
		wxErr(w, 85064, "template not found")
		return
	}
	ok(w, nil)
}

var domainKinds = []string{"requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain"}

func (s *Server) modifyDomain(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	var in map[string]any
	if !decode(w, r, &in) {
		return
	}
	action, _ := in["action"].(string)
	if action != "get" && action != "set" && action != "add" && action != "delete" {
		wxErr(w, 47001, "data format error: action")
		return
	}
	lists := map[string][]string{}
	for _, k := range domainKinds {
		raw, _ := in[k].([]any)
		for _, d := range raw {
			ds, _ := d.(string)
			// WeChat accepts only https (wss for sockets) domains without paths.
			u, err := url.Parse(ds)
			if err != nil || (u.Scheme != "https" && u.Scheme != "wss") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
				wxErr(w, 85015, "invalid domain "+ds)
				return
			}
			lists[k] = append(lists[k], ds)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range domainKinds {
		list := lists[k]
		switch action {
		case "set":
			m.Domains[k] = list
		case "add":
			m.Domains[k] = append(m.Domains[k], list...)
		case "delete":
			keep := []string{}
			for _, d := range m.Domains[k] {
				if !contains(list, d) {
					keep = append(keep, d)
				}
			}
			m.Domains[k] = keep
		}
	}
	out := map[string]any{}
	for _, k := range domainKinds {
		out[k] = append([]string{}, m.Domains[k]...)
	}
	ok(w, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) setPrivacy(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	var in struct {
		PrivacyVer   int               `json:"privacy_ver"`
		OwnerSetting map[string]string `json:"owner_setting"`
		SettingList  []map[string]any  `json:"setting_list"`
	}
	if !decode(w, r, &in) {
		return
	}
	contact := in.OwnerSetting["contact_email"] + in.OwnerSetting["contact_phone"] + in.OwnerSetting["contact_qq"] + in.OwnerSetting["contact_weixin"]
	if contact == "" || in.OwnerSetting["notice_method"] == "" {
		wxErr(w, 86074, "owner_setting must have a contact and notice_method")
		return
	}
	for _, it := range in.SettingList {
		if k, _ := it["privacy_key"].(string); k == "" {
			wxErr(w, 86075, "privacy_key is empty")
			return
		}
	}
	s.mu.Lock()
	m.Privacy = map[string]any{"privacy_ver": in.PrivacyVer, "owner_setting": in.OwnerSetting, "setting_list": in.SettingList}
	s.mu.Unlock()
	ok(w, nil)
}

func (s *Server) getPrivacy(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	p := m.Privacy
	s.mu.Unlock()
	ok(w, map[string]any{"privacy_desc": p})
}

func (s *Server) commit(w http.ResponseWriter, r *http.Request) {
	appid, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	var in struct {
		TemplateID  json.RawMessage `json:"template_id"`
		ExtJSON     any             `json:"ext_json"`
		UserVersion string          `json:"user_version"`
		UserDesc    string          `json:"user_desc"`
	}
	if !decode(w, r, &in) {
		return
	}
	// A quoted template id is "template not exist", as at WeChat.
	id, err := strconv.ParseInt(string(in.TemplateID), 10, 64)
	s.mu.Lock()
	t, exists := s.templates[id]
	comp := s.authorized[appid]
	s.mu.Unlock()
	if err != nil || !exists || t.component != comp {
		wxErr(w, 85014, "template not exist")
		return
	}
	ext, isString := in.ExtJSON.(string)
	if !isString {
		wxErr(w, 47001, "data format error: ext_json must be a JSON string")
		return
	}
	var parsed struct {
		ExtAppid string         `json:"extAppid"`
		Ext      map[string]any `json:"ext"`
		Pages    []string       `json:"pages"`
		TabBar   struct {
			List []struct {
				PagePath string `json:"pagePath"`
			} `json:"list"`
		} `json:"tabBar"`
	}
	if err := json.Unmarshal([]byte(ext), &parsed); err != nil {
		wxErr(w, 85048, "ext_json parse fail")
		return
	}
	for _, p := range parsed.Pages {
		if !contains(t.Pages, p) {
			wxErr(w, 85045, "some path in ext_json not exist: "+p)
			return
		}
	}
	for _, it := range parsed.TabBar.List {
		if !contains(t.Pages, it.PagePath) {
			wxErr(w, 85046, "tabBar path not exist: "+it.PagePath)
			return
		}
	}
	if in.UserVersion == "" || len(in.UserVersion) > 64 {
		wxErr(w, 47001, "data format error: user_version")
		return
	}
	s.mu.Lock()
	m.Committed = &codeVersion{TemplateID: id, ExtJSON: ext, Version: in.UserVersion, Desc: in.UserDesc}
	s.mu.Unlock()
	ok(w, nil)
}

func (s *Server) trialQR(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	committed := m.Committed != nil
	s.mu.Unlock()
	if !committed {
		wxErr(w, 85086, "must commit before get trial qrcode")
		return
	}
	img, err := codeImage(r.URL.Query().Get("path"))
	if err != nil {
		wxErr(w, -1, "system error")
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(img)
}

func (s *Server) category(w http.ResponseWriter, r *http.Request) {
	if _, _, found := s.authorizer(w, r); found {
		ok(w, map[string]any{"category_list": []map[string]any{{"first_class": "商家自营", "second_class": "服装/内衣", "first_id": 304, "second_id": 307}}})
	}
}

func (s *Server) pages(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Committed == nil {
		wxErr(w, 85086, "must commit before get page")
		return
	}
	ok(w, map[string]any{"page_list": s.templates[m.Committed.TemplateID].Pages})
}

func (s *Server) submitAudit(w http.ResponseWriter, r *http.Request) {
	appid, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	var in struct {
		ItemList    []map[string]any `json:"item_list"`
		VersionDesc string           `json:"version_desc"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	switch {
	case m.Committed == nil:
		s.mu.Unlock()
		wxErr(w, 85086, "must commit before submit audit")
		return
	case m.Audit != nil && (m.Audit.Status == 2 || m.Audit.Status == 4):
		s.mu.Unlock()
		wxErr(w, 85009, "already submit a version under auditing")
		return
	case len(in.ItemList) > 5:
		s.mu.Unlock()
		wxErr(w, 85023, "item_list has more than 5 items")
		return
	}
	s.seq++
	m.Audit = &auditRec{ID: 400000000 + s.seq, Status: 2, Version: *m.Committed, Submit: s.now().Unix()}
	m.Submits++
	id, auto := m.Audit.ID, s.autoAudit
	s.mu.Unlock()
	if auto > 0 {
		time.AfterFunc(auto, func() { _, _ = s.CompleteAudit(appid, "success", "") })
	}
	ok(w, map[string]any{"auditid": id})
}

func (s *Server) auditOf(m *MiniState) map[string]any {
	a := m.Audit
	return map[string]any{"auditid": a.ID, "status": a.Status, "reason": a.Reason, "screenshot": "", "ScreenShot": "",
		"user_version": a.Version.Version, "user_desc": a.Version.Desc, "submit_audit_time": a.Submit}
}

func (s *Server) auditStatus(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	var in struct {
		AuditID int64 `json:"auditid"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Audit == nil || m.Audit.ID != in.AuditID {
		wxErr(w, 85012, "invalid audit id")
		return
	}
	ok(w, s.auditOf(m))
}

func (s *Server) latestAudit(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Audit == nil {
		wxErr(w, 85012, "invalid audit id")
		return
	}
	ok(w, s.auditOf(m))
}

func (s *Server) undoAudit(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Audit == nil || (m.Audit.Status != 2 && m.Audit.Status != 4) {
		wxErr(w, 87013, "no version under auditing to withdraw")
		return
	}
	m.Audit.Status = 3
	ok(w, nil)
}

func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case m.Audit == nil || m.Audit.Status == 1 || m.Audit.Status == 3:
		wxErr(w, 85019, "no version passed the audit")
		return
	case m.Audit.Status == 2 || m.Audit.Status == 4:
		wxErr(w, 85020, "status not allowed to release")
		return
	case len(m.Released) > 0 && m.Released[len(m.Released)-1] == m.Audit.Version:
		wxErr(w, 85052, "the version was already released")
		return
	}
	m.Released = append(m.Released, m.Audit.Version)
	ok(w, nil)
}

func (s *Server) revert(w http.ResponseWriter, r *http.Request) {
	_, m, found := s.authorizer(w, r)
	if !found {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(m.Released) < 2 {
		wxErr(w, 87012, "no previous release to revert to")
		return
	}
	m.Released = m.Released[:len(m.Released)-1]
	// The reverted version cannot be released again without a new audit.
	if m.Audit != nil {
		m.Audit.Status = 3
	}
	ok(w, nil)
}

// CompleteAudit ends appid's review: result "success", "fail" (with reason) or
// "delay", and pushes the event to the platform's message URL as WeChat does.
// It returns the HTTP status the platform answered.
func (s *Server) CompleteAudit(appid, result, reason string) (int, error) {
	s.mu.Lock()
	m := s.minis[appid]
	comp := s.authorized[appid]
	target := strings.ReplaceAll(s.messageURL[comp], "$APPID$", appid)
	if m == nil || m.Audit == nil || (m.Audit.Status != 2 && m.Audit.Status != 4) {
		s.mu.Unlock()
		return 0, fmt.Errorf("wechatfake: %s has no version under audit", appid)
	}
	now := s.now().Unix()
	var ev string
	switch result {
	case "success":
		m.Audit.Status = 0
		ev = fmt.Sprintf("<Event><![CDATA[weapp_audit_success]]></Event><SuccTime>%d</SuccTime>", now)
	case "fail":
		m.Audit.Status, m.Audit.Reason = 1, reason
		ev = fmt.Sprintf("<Event><![CDATA[weapp_audit_fail]]></Event><Reason><![CDATA[%s]]></Reason><FailTime>%d</FailTime><ScreenShot><![CDATA[]]></ScreenShot>", reason, now)
	case "delay":
		m.Audit.Status, m.Audit.Reason = 4, reason
		ev = fmt.Sprintf("<Event><![CDATA[weapp_audit_delay]]></Event><Reason><![CDATA[%s]]></Reason><DelayTime>%d</DelayTime>", reason, now)
	default:
		s.mu.Unlock()
		return 0, fmt.Errorf("wechatfake: audit result %q", result)
	}
	s.mu.Unlock()
	if target == "" {
		return 0, fmt.Errorf("wechatfake: platform %s has no message URL", comp)
	}
	gh := "gh_" + digest(appid)[:12]
	inner := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[o%s]]></FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType><![CDATA[event]]></MsgType>%s</xml>", gh, digest("wechat")[:27], now, ev)
	return s.pushTo(target, comp, "ToUserName", gh, inner)
}
