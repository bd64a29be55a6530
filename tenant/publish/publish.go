// Package publish puts a brand's generated mini-program live through the
// platform's WeChat third-party platform: set the server domains, declare the
// privacy settings, commit the platform's code template with the brand's
// ext_json, fetch the trial QR code, submit for review, wait for WeChat's
// review event, release. Each step is a background job whose status and error
// (in words a brand understands) the console shows. A review can be withdrawn
// and a release rolled back; rollouts (rollout.go) publish a new template
// version to many brands with a concurrency limit.
package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/miniapp"
	"github.com/shoplet/shoplet/tenant/thirdparty"
	"gorm.io/gorm"
)

// Steps, in order. The review (between submit_audit and release) is WeChat's.
const (
	StepDomains = "domains"
	StepPrivacy = "privacy"
	StepCommit  = "commit"
	StepTrialQR = "trial_qr"
	StepSubmit  = "submit_audit"
	StepRelease = "release"
)

// Steps is the pipeline.
var Steps = []string{StepDomains, StepPrivacy, StepCommit, StepTrialQR, StepSubmit, StepRelease}

// Publish statuses.
const (
	Running     = "running"       // steps before the review are under way
	Auditing    = "auditing"      // WeChat is reviewing
	Delayed     = "audit_delayed" // WeChat said the review takes longer
	Approved    = "approved"      // passed review, waiting for release
	Releasing   = "releasing"
	Released    = "released"
	AuditFailed = "audit_failed"
	Withdrawn   = "withdrawn"
	RolledBack  = "rolled_back"
	Failed      = "failed" // a step failed; the error says why
)

// Step statuses.
const (
	StepPending = "pending"
	StepRunning = "running"
	StepDone    = "done"
	StepFailed  = "failed"
)

// StepState is one step's progress.
type StepState struct {
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	Attempts   int        `json:"attempts"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Publish is one publication of a brand's mini-program.
type Publish struct {
	tenant.Base
	ID          string                  `gorm:"primaryKey" json:"id"`
	TemplateID  int64                   `json:"template_id"`
	Version     string                  `json:"version"`
	Description string                  `json:"description"`
	AutoRelease bool                    `json:"auto_release"`
	Status      string                  `json:"status"`
	Steps       jsonb.JSON[[]StepState] `json:"steps"`
	AuditID     int64                   `json:"audit_id,omitempty"`
	Reason      string                  `json:"reason,omitempty"` // review failure or delay, in WeChat's words
	Error       string                  `json:"error,omitempty"`
	AppID       string                  `json:"app_id"`
	ExtSHA256   string                  `gorm:"column:ext_sha256" json:"ext_sha256,omitempty"`
	QRFileID    string                  `gorm:"column:qr_file_id" json:"qr_file_id,omitempty"`
	RolloutID   string                  `json:"rollout_id,omitempty"`
	CreatedBy   string                  `json:"created_by"`
	CreatedAt   time.Time               `json:"created_at"`
	UpdatedAt   time.Time               `json:"updated_at"`
	SubmittedAt *time.Time              `json:"submitted_at,omitempty"`
	ReleasedAt  *time.Time              `json:"released_at,omitempty"`
}

// TableName names the table.
func (Publish) TableName() string { return "publishes" }

// Input starts a publication.
type Input struct {
	TemplateID  int64  `json:"template_id" binding:"required"`
	Version     string `json:"version" binding:"required"`
	Description string `json:"description"`
	// AutoRelease releases as soon as the review passes (the default in the console).
	AutoRelease bool `json:"auto_release"`
}

// validate checks what a publication (or a rollout of one) needs.
func (in *Input) validate(f *errs.Fields) {
	if in.TemplateID <= 0 {
		f.Add("template_id", "required", "choose a template version from the platform's library")
	}
	in.Version = strings.TrimSpace(in.Version)
	if f.Required("version", in.Version) {
		f.MaxLen("version", in.Version, 64)
	}
	f.MaxLen("description", in.Description, 200)
}

// Enqueuer schedules a step.
type Enqueuer interface {
	EnqueueStep(ctx context.Context, publishID, step string, opts ...asynq.Option) error
}

// Service publishes the mini-program of the store in ctx.
type Service struct {
	T       *tenant.Store
	WeChat  *thirdparty.Service
	Builds  *miniapp.Builds
	Files   *files.Store
	Audit   *audit.Log
	Queue   Enqueuer
	Rollout *Rollouts
	// APIBase is the shop API's public URL: its host is the request domain.
	APIBase string
	// Contact returns the store's contact email for the privacy declaration.
	Contact func(ctx context.Context) (string, error)
	// Mainland reports whether the store is a mainland entity (phone numbers
	// may be requested only there).
	Mainland func(ctx context.Context) (bool, error)
	Now      func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Start validates in, records the publication and queues its first step.
func (s *Service) Start(ctx context.Context, in Input, rolloutID string) (Publish, error) {
	var f errs.Fields
	in.validate(&f)
	if err := f.Err(); err != nil {
		return Publish{}, err
	}
	appid, _, err := s.WeChat.AuthorizerToken(ctx, false)
	if err != nil {
		return Publish{}, err
	}
	now := s.now()
	steps := make([]StepState, len(Steps))
	for i, n := range Steps {
		steps[i] = StepState{Name: n, Status: StepPending}
	}
	p := Publish{ID: ids.New(), TemplateID: in.TemplateID, Version: in.Version, Description: in.Description, AutoRelease: in.AutoRelease,
		Status: Running, Steps: jsonb.Of(steps), AppID: appid, RolloutID: rolloutID, CreatedBy: tenant.ActorFrom(ctx).AccountID,
		CreatedAt: now, UpdatedAt: now}
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		var busy int64
		if err := s.T.Q(ctx).Model(&Publish{}).Where("status IN ?", []string{Running, Auditing, Delayed, Releasing}).Count(&busy).Error; err != nil {
			return err
		}
		if busy > 0 {
			return errs.E(errs.Conflict, "publish_in_progress",
				"a publication of this mini-program is still under way; wait for it, or withdraw its review")
		}
		if err := s.T.Q(ctx).Create(&p).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "miniapp.publish_started", "publish", p.ID,
			map[string]any{"template_id": in.TemplateID, "version": in.Version, "rollout_id": rolloutID})
	})
	if err != nil {
		return Publish{}, err
	}
	return p, s.Queue.EnqueueStep(ctx, p.ID, StepDomains)
}

// Get returns a publication of the store in ctx.
func (s *Service) Get(ctx context.Context, id string) (Publish, error) {
	var p Publish
	if !ids.Valid(id) {
		return p, errs.NotFoundf("publication")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error { return s.T.Q(ctx).Where("id = ?", id).Take(&p).Error })
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, errs.NotFoundf("publication")
	}
	return p, err
}

// List returns the store's publications, newest first.
func (s *Service) List(ctx context.Context) ([]Publish, error) {
	var out []Publish
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Order("created_at DESC, id DESC").Limit(50).Find(&out).Error
	})
	return out, err
}

// update saves fields of p in one statement, guarded by the status it had.
func (s *Service) update(ctx context.Context, p *Publish, from []string, fields map[string]any) (bool, error) {
	fields["updated_at"] = s.now()
	var n int64
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Model(&Publish{}).Where("id = ?", p.ID)
		if len(from) > 0 {
			q = q.Where("status IN ?", from)
		}
		r := q.Updates(fields)
		n = r.RowsAffected
		if r.Error != nil || n == 0 {
			return r.Error
		}
		return s.T.Q(ctx).Where("id = ?", p.ID).Take(p).Error
	})
	_, statusChanged := fields["status"]
	// Step progress alone does not change a store's result in its rollout.
	if err == nil && n > 0 && statusChanged && s.Rollout != nil && p.RolloutID != "" {
		s.Rollout.Changed(ctx, *p)
	}
	return n > 0, err
}

func stepIndex(name string) int { return slices.Index(Steps, name) }

// RunStep does one step of publication id (the job handler). It is safe to
// run twice: a step that is not the publication's next one is skipped.
func (s *Service) RunStep(ctx context.Context, id, step string) error {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil // deleted with its store
	}
	a := tenant.ActorFrom(ctx)
	a.AccountID = p.CreatedBy
	ctx = tenant.WithActor(ctx, a)
	i := stepIndex(step)
	if i < 0 {
		return fmt.Errorf("%w: unknown step %q", asynq.SkipRetry, step)
	}
	steps := p.Steps.V
	// Claiming a step moves the publication out of the state it was claimed
	// from, so a second run of the same step (a repeated task, two clicks on
	// release) finds nothing to do.
	want := map[string][]string{StepRelease: {Approved}}[step]
	if want == nil {
		want = []string{Running}
	}
	if !slices.Contains(want, p.Status) || steps[i].Status == StepDone || (i > 0 && step != StepRelease && steps[i-1].Status != StepDone) {
		return nil
	}
	now := s.now()
	steps[i].Status, steps[i].Attempts, steps[i].Error = StepRunning, steps[i].Attempts+1, ""
	if steps[i].StartedAt == nil {
		steps[i].StartedAt = &now
	}
	fields := map[string]any{"steps": jsonb.Of(steps)}
	if step == StepRelease {
		fields["status"] = Releasing
	}
	claimed, err := s.update(ctx, &p, want, fields)
	if err != nil || !claimed {
		return err
	}
	// Later writes are guarded by the state this run put the publication in.
	mine := []string{Running}
	if step == StepRelease {
		mine = []string{Releasing}
	}
	extra, err := s.do(ctx, &p, step)
	steps = p.Steps.V
	done := s.now()
	if err != nil {
		msg, final := Explain(err)
		steps[i].Error = msg
		if n, ok := asynq.GetRetryCount(ctx); ok {
			if max, _ := asynq.GetMaxRetry(ctx); n >= max {
				final = true // the last attempt: stop showing "retrying"
			}
		}
		if !final {
			// A network or server problem: the job is retried, the step shows
			// why; a release goes back to approved so the retry can claim it.
			f := map[string]any{"steps": jsonb.Of(steps)}
			if step == StepRelease {
				f["status"] = Approved
			}
			_, _ = s.update(ctx, &p, mine, f)
			return err
		}
		steps[i].Status, steps[i].FinishedAt = StepFailed, &done
		status := Failed
		if step == StepRelease {
			status = Approved // the review passed; the brand may try the release again
		}
		if changed, uerr := s.update(ctx, &p, mine, map[string]any{"steps": jsonb.Of(steps), "status": status, "error": msg}); uerr != nil || !changed {
			return uerr
		}
		_ = s.T.Tx(ctx, func(ctx context.Context) error {
			return s.Audit.Record(ctx, "miniapp.publish_failed", "publish", p.ID, map[string]any{"step": step, "error": msg})
		})
		return nil
	}
	steps[i].Status, steps[i].FinishedAt = StepDone, &done
	fields = map[string]any{"steps": jsonb.Of(steps), "error": ""}
	for k, v := range extra {
		fields[k] = v
	}
	switch step {
	case StepSubmit:
		fields["status"], fields["submitted_at"] = Auditing, done
	case StepRelease:
		fields["status"], fields["released_at"] = Released, done
	}
	if changed, err := s.update(ctx, &p, mine, fields); err != nil || !changed {
		return err
	}
	if step == StepRelease {
		return s.T.Tx(ctx, func(ctx context.Context) error {
			return s.Audit.Record(ctx, "miniapp.released", "publish", p.ID, map[string]any{"version": p.Version})
		})
	}
	if step == StepSubmit {
		return nil // WeChat's review event moves it on
	}
	return s.Queue.EnqueueStep(ctx, p.ID, Steps[i+1])
}

// do calls WeChat for one step and returns fields to save.
func (s *Service) do(ctx context.Context, p *Publish, step string) (map[string]any, error) {
	w := s.WeChat
	switch step {
	case StepDomains:
		u, err := url.Parse(s.APIBase)
		if err != nil || u.Host == "" {
			return nil, errs.E(errs.Invalid, "api_base_invalid", "the platform's public URL is not set; ask the platform operator")
		}
		// Mini-programs may only call https domains registered here.
		d := "https://" + u.Host
		return nil, w.Call(ctx, "POST", "/wxa/modify_domain", nil, map[string]any{"action": "set",
			"requestdomain": []string{d}, "wsrequestdomain": []string{}, "uploaddomain": []string{d}, "downloaddomain": []string{d}}, nil)
	case StepPrivacy:
		contact, err := s.Contact(ctx)
		if err != nil {
			return nil, err
		}
		list := []map[string]string{
			{"privacy_key": "UserInfo", "privacy_text": "识别你的身份并展示你的头像昵称"},
			{"privacy_key": "Address", "privacy_text": "填写收货地址以便配送你购买的商品"},
		}
		if ok, err := s.Mainland(ctx); err != nil {
			return nil, err
		} else if ok {
			list = append(list, map[string]string{"privacy_key": "PhoneNumber", "privacy_text": "联系你处理订单与售后"})
		}
		return nil, w.Call(ctx, "POST", "/cgi-bin/component/setprivacysetting", nil, map[string]any{"privacy_ver": 2,
			"owner_setting": map[string]string{"contact_email": contact, "notice_method": "弹窗提示"}, "setting_list": list}, nil)
	case StepCommit:
		brand, err := s.Builds.Brand(ctx)
		if err != nil {
			return nil, err
		}
		res, err := miniapp.Generate(s.Builds.Template, brand)
		if err != nil {
			return nil, err
		}
		err = w.Call(ctx, "POST", "/wxa/commit", nil, map[string]any{"template_id": p.TemplateID, "ext_json": string(res.ExtJSON),
			"user_version": p.Version, "user_desc": p.Description}, nil)
		return map[string]any{"ext_sha256": res.SHA256}, err
	case StepTrialQR:
		img, err := w.CallRaw(ctx, "GET", "/wxa/get_qrcode", url.Values{"path": {miniapp.PageHome}}, nil, nil)
		if err != nil {
			return nil, err
		}
		if len(img) == 0 {
			return nil, errs.Wrap(errors.New("empty image"), "trial QR code")
		}
		var f files.File
		err = s.T.Tx(ctx, func(ctx context.Context) error {
			var err error
			f, err = s.Files.Save(ctx, files.Image, "trial-"+p.Version+".jpg", bytes.NewReader(img))
			return err
		})
		return map[string]any{"qr_file_id": f.ID}, err
	case StepSubmit:
		var cats struct {
			List []map[string]any `json:"category_list"`
		}
		if err := w.Call(ctx, "GET", "/wxa/get_category", nil, nil, &cats); err != nil {
			return nil, err
		}
		var pages struct {
			List []string `json:"page_list"`
		}
		if err := w.Call(ctx, "GET", "/wxa/get_page", nil, nil, &pages); err != nil {
			return nil, err
		}
		if len(cats.List) == 0 {
			return nil, &thirdparty.WxError{Code: 86002, Msg: "no category set"}
		}
		item := map[string]any{"address": miniapp.PageHome, "tag": "商城 购物", "title": "首页"}
		if len(pages.List) > 0 {
			item["address"] = pages.List[0]
		}
		for k, v := range cats.List[0] {
			item[k] = v
		}
		var out struct {
			AuditID int64 `json:"auditid"`
		}
		err := w.Call(ctx, "POST", "/wxa/submit_audit", nil, map[string]any{"item_list": []any{item},
			"version_desc": p.Description, "privacy_api_not_use": false}, &out)
		return map[string]any{"audit_id": out.AuditID}, err
	case StepRelease:
		return nil, w.Call(ctx, "POST", "/wxa/release", nil, map[string]any{}, nil)
	}
	return nil, nil
}

// latestInReview returns the store's publication under review, if any.
func (s *Service) latestInReview(ctx context.Context) (Publish, bool, error) {
	var p Publish
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("status IN ?", []string{Auditing, Delayed}).Order("created_at DESC").Take(&p).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, false, nil
	}
	return p, err == nil, err
}

// OnMessage applies WeChat's review events to the store's publication under
// review. A repeated event finds nothing under review and changes nothing.
func (s *Service) OnMessage(ctx context.Context, appid string, m thirdparty.Message) error {
	switch m.Event {
	case "weapp_audit_success", "weapp_audit_fail", "weapp_audit_delay":
	default:
		return nil
	}
	p, ok, err := s.latestInReview(ctx)
	if err != nil || !ok || p.AppID != appid {
		return err
	}
	a := tenant.ActorFrom(ctx)
	a.AccountID = p.CreatedBy
	ctx = tenant.WithActor(ctx, a)
	return s.applyReview(ctx, p, m.Event, m.Reason)
}

func (s *Service) applyReview(ctx context.Context, p Publish, event, reason string) error {
	from := []string{Auditing, Delayed}
	var fields map[string]any
	action := ""
	switch event {
	case "weapp_audit_success":
		fields, action = map[string]any{"status": Approved, "reason": ""}, "miniapp.audit_passed"
	case "weapp_audit_fail":
		fields, action = map[string]any{"status": AuditFailed, "reason": reason}, "miniapp.audit_failed"
	case "weapp_audit_delay":
		fields, action = map[string]any{"status": Delayed, "reason": reason}, "miniapp.audit_delayed"
		from = []string{Auditing}
	}
	changed, err := s.update(ctx, &p, from, fields)
	if err != nil || !changed {
		return err
	}
	if err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.Audit.Record(ctx, action, "publish", p.ID, map[string]any{"reason": reason})
	}); err != nil {
		return err
	}
	if event == "weapp_audit_success" && p.AutoRelease {
		return s.Queue.EnqueueStep(ctx, p.ID, StepRelease)
	}
	return nil
}

// Refresh asks WeChat for the review status (when an event was lost).
func (s *Service) Refresh(ctx context.Context, id string) (Publish, error) {
	p, err := s.Get(ctx, id)
	if err != nil || (p.Status != Auditing && p.Status != Delayed) {
		return p, err
	}
	var out struct {
		Status int    `json:"status"`
		Reason string `json:"reason"`
	}
	if err := s.WeChat.Call(ctx, "POST", "/wxa/get_auditstatus", nil, map[string]any{"auditid": p.AuditID}, &out); err != nil {
		msg, _ := Explain(err)
		return p, errs.E(errs.Conflict, "wechat_refused", msg)
	}
	ev := map[int]string{0: "weapp_audit_success", 1: "weapp_audit_fail", 4: "weapp_audit_delay"}[out.Status]
	if ev != "" && !(ev == "weapp_audit_delay" && p.Status == Delayed) {
		if err := s.applyReview(ctx, p, ev, out.Reason); err != nil {
			return p, err
		}
	}
	return s.Get(ctx, id)
}

// Release releases an approved publication (when auto-release was off, or a
// release failed).
func (s *Service) Release(ctx context.Context, id string) (Publish, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return p, err
	}
	if p.Status != Approved {
		return p, errs.E(errs.Conflict, "not_approved", "only a version that passed WeChat's review can be released; this one is "+p.Status)
	}
	return p, s.Queue.EnqueueStep(ctx, p.ID, StepRelease)
}

// Withdraw withdraws the publication's review (撤回审核). WeChat limits how
// often this may be done.
func (s *Service) Withdraw(ctx context.Context, id string) (Publish, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return p, err
	}
	if p.Status != Auditing && p.Status != Delayed {
		return p, errs.E(errs.Conflict, "not_in_review", "only a version under review can be withdrawn; this one is "+p.Status)
	}
	if err := s.WeChat.Call(ctx, "GET", "/wxa/undocodeaudit", nil, nil, nil); err != nil {
		msg, _ := Explain(err)
		return p, errs.E(errs.Conflict, "wechat_refused", msg)
	}
	if _, err := s.update(ctx, &p, []string{Auditing, Delayed}, map[string]any{"status": Withdrawn}); err != nil {
		return p, err
	}
	return p, s.T.Tx(ctx, func(ctx context.Context) error {
		return s.Audit.Record(ctx, "miniapp.audit_withdrawn", "publish", p.ID, nil)
	})
}

// Rollback returns the mini-program to the release before this one (版本回退).
func (s *Service) Rollback(ctx context.Context, id string) (Publish, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return p, err
	}
	if p.Status != Released {
		return p, errs.E(errs.Conflict, "not_released", "only the live release can be rolled back; this one is "+p.Status)
	}
	if err := s.WeChat.Call(ctx, "GET", "/wxa/revertcoderelease", nil, nil, nil); err != nil {
		msg, _ := Explain(err)
		return p, errs.E(errs.Conflict, "wechat_refused", msg)
	}
	if _, err := s.update(ctx, &p, []string{Released}, map[string]any{"status": RolledBack}); err != nil {
		return p, err
	}
	return p, s.T.Tx(ctx, func(ctx context.Context) error {
		return s.Audit.Record(ctx, "miniapp.rolled_back", "publish", p.ID, map[string]any{"version": p.Version})
	})
}

// explanations turn WeChat's codes into what a brand can act on.
var explanations = map[int]string{
	61003: "the mini-program no longer authorises the platform; authorise it again in Settings",
	61023: "the mini-program's authorisation expired; authorise it again in Settings",
	85009: "a version is already under WeChat's review; wait for the result or withdraw it",
	85012: "WeChat does not know this review any more",
	85013: "the mini-program settings in the template are invalid; ask the platform operator",
	85014: "this template version no longer exists in the platform's library; choose another",
	85015: "WeChat refused the server domain; the platform's public URL must be an https domain registered with WeChat",
	85019: "no version has passed WeChat's review yet",
	85020: "this version cannot be released in its current state",
	85023: "the review needs between one and five pages described",
	85044: "the code package is larger than WeChat allows",
	85045: "the mini-program settings name a page the template does not have; ask the platform operator",
	85046: "a tab in the tab bar points at a page the template does not have; change the tab bar in Mini-program → Design",
	85048: "the generated mini-program settings could not be read by WeChat; ask the platform operator",
	85052: "this version is already live",
	85085: "WeChat's limit of review submissions was reached; try again next month or ask the platform to raise it",
	85086: "the code must be committed before this step; publish again",
	86002: "set the mini-program's name, avatar and description at mp.weixin.qq.com, then publish again",
	86074: "the privacy declaration needs a contact; set the store owner's email",
	87012: "there is no earlier release to roll back to",
	87013: "WeChat allows withdrawing a review only once a day; wait, or let the review finish",
	47001: "WeChat rejected the request format; ask the platform operator",
	-1:    "WeChat had a system error; try again in a few minutes",
}

// Explain turns an error into a message for the brand and says whether it is
// final (retrying the same request would fail the same way).
func Explain(err error) (string, bool) {
	var we *thirdparty.WxError
	if errors.As(err, &we) {
		if m, ok := explanations[we.Code]; ok {
			return fmt.Sprintf("%s (WeChat %d)", m, we.Code), we.Code != -1
		}
		return fmt.Sprintf("WeChat refused: %s (%d)", we.Msg, we.Code), true
	}
	var se *errs.Error
	if errors.As(err, &se) && se.Kind != errs.Internal {
		msg := se.Message
		for _, f := range se.Fields {
			msg += "; " + f.Field + ": " + f.Message
		}
		return msg, true
	}
	return "could not reach WeChat; retrying: " + err.Error(), false
}
