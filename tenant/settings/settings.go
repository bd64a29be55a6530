// Package settings keeps a store's WeChat mini-program and WeChat Pay
// configuration. Secret parts (app secret, APIv3 key, merchant private key)
// are sealed with envelope encryption, bound to the tenant, write-only through
// the API (reads show a fingerprint and when it was set), and readable by code
// only for the tenant in the context.
package settings

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/pkg/secretbox"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"gorm.io/gorm"
)

// Names of sealed secrets.
const (
	SecretAppSecret  = "wechat_app_secret"
	SecretAPIv3Key   = "wechatpay_api_v3_key"
	SecretPrivateKey = "wechatpay_private_key"
)

// Payment modes.
const (
	ModeDirect  = "direct"  // the brand's own merchant account
	ModePartner = "partner" // sub-merchant of the platform's service-provider account
	ModeGlobal  = "global"  // cross-border WeChat Pay, for overseas entities
)

type sealedRow struct {
	tenant.Base
	Name        string `gorm:"primaryKey"`
	KeyID       string
	WrappedKey  []byte
	Ciphertext  []byte
	Fingerprint string
	SetBy       string
	SetAt       time.Time
}

func (sealedRow) TableName() string { return "tenant_secrets" }

type sectionRow struct {
	tenant.Base
	Section   string `gorm:"primaryKey"`
	Data      jsonb.JSON[map[string]string]
	UpdatedBy string
	UpdatedAt time.Time
}

func (sectionRow) TableName() string { return "tenant_settings" }

// SecretInfo is all the API ever shows of a secret.
type SecretInfo struct {
	Set         bool       `json:"set"`
	Fingerprint string     `json:"fingerprint,omitempty"`
	SetAt       *time.Time `json:"set_at,omitempty"`
}

// EntityOf tells a store's entity type (mainland/overseas); onboard.Stores implements it.
type EntityOf interface {
	EntityType(ctx context.Context) (string, error)
}

// Service reads and writes settings of the tenant in ctx.
type Service struct {
	T      *tenant.Store
	Box    *secretbox.Box
	Audit  *audit.Log
	Entity EntityOf
	// AfterChange runs after a committed change of section "miniprogram" or
	// "payment"; the embedded demo uses it to register the store with the fake WeChat.
	AfterChange func(ctx context.Context, section string)
}

func (s *Service) after(ctx context.Context, section string) {
	if s.AfterChange != nil {
		s.AfterChange(ctx, section)
	}
}

// Changed runs AfterChange for a change committed outside this service's own
// transactions (binding or unbinding an authorised mini-program runs inside
// the third-party platform's transaction): call it after that commit.
func (s *Service) Changed(ctx context.Context, section string) { s.after(ctx, section) }

// MiniProgramInput sets the mini-program binding. A nil secret keeps the stored one.
type MiniProgramInput struct {
	AppID     string  `json:"app_id" binding:"required"`
	AppSecret *string `json:"app_secret"`
}

// MiniProgramView is what the console sees.
type MiniProgramView struct {
	AppID     string     `json:"app_id"`
	AppSecret SecretInfo `json:"app_secret"`
	// Mode is "direct" (the brand's appid and secret) or "component" (the
	// mini-program authorised the platform as its third-party platform).
	Mode string `json:"mode"`
	// AppSecretInUse is false in component mode: the platform signs in with
	// the authoriser's token, and a stored secret is no longer used.
	AppSecretInUse bool `json:"app_secret_in_use"`
}

// SecretAuthorizerRefreshToken is the sealed refresh token of an authorised mini-program.
const SecretAuthorizerRefreshToken = "wechat_authorizer_refresh_token"

// BindAuthorizer records that appid authorised the platform, sealing its refresh token.
func (s *Service) BindAuthorizer(ctx context.Context, appid, refreshToken string) error {
	if err := s.putSection(ctx, "miniprogram", map[string]string{"app_id": appid, "mode": "component"}); err != nil {
		return err
	}
	return s.seal(ctx, SecretAuthorizerRefreshToken, refreshToken)
}

// UnbindAuthorizer forgets the authorisation (the brand withdrew it at WeChat).
func (s *Service) UnbindAuthorizer(ctx context.Context) error {
	if err := s.putSection(ctx, "miniprogram", map[string]string{"app_id": "", "mode": "component"}); err != nil {
		return err
	}
	return s.T.Q(ctx).Where("name = ?", SecretAuthorizerRefreshToken).Delete(&sealedRow{}).Error
}

// PaymentInput sets WeChat Pay. Nil secrets keep the stored ones.
type PaymentInput struct {
	Mode       string  `json:"mode" binding:"required"`
	MchID      string  `json:"mch_id"`
	SubMchID   string  `json:"sub_mch_id"`
	CertSerial string  `json:"cert_serial"`
	Currency   string  `json:"currency"`
	APIv3Key   *string `json:"api_v3_key"`
	PrivateKey *string `json:"private_key"`
	// The WeChat Pay platform public key ("public key mode"): not secret; it
	// verifies WeChat Pay's responses and notifications.
	PlatformPublicKeyID string `json:"platform_public_key_id"`
	PlatformPublicKey   string `json:"platform_public_key"`
}

// PaymentView is what the console sees.
type PaymentView struct {
	Mode                string     `json:"mode"`
	MchID               string     `json:"mch_id"`
	SubMchID            string     `json:"sub_mch_id"`
	CertSerial          string     `json:"cert_serial"`
	Currency            string     `json:"currency"`
	APIv3Key            SecretInfo `json:"api_v3_key"`
	PrivateKey          SecretInfo `json:"private_key"`
	PlatformPublicKeyID string     `json:"platform_public_key_id"`
	PlatformPublicKey   string     `json:"platform_public_key"`
}

var (
	appIDRE     = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	appSecretRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
	mchIDRE     = regexp.MustCompile(`^[0-9]{6,12}$`)
	serialRE    = regexp.MustCompile(`^[0-9A-Fa-f]{8,64}$`)
	currencyRE  = regexp.MustCompile(`^[A-Z]{3}$`)
)

func aad(tid, name string) []byte { return []byte("shoplet/" + tid + "/" + name) }

func (s *Service) seal(ctx context.Context, name, value string) error {
	tid, _ := tenant.FromContext(ctx)
	sealed, err := s.Box.Seal([]byte(value), aad(tid, name))
	if err != nil {
		return err
	}
	row := sealedRow{Name: name, KeyID: sealed.KeyID, WrappedKey: sealed.WrappedKey, Ciphertext: sealed.Ciphertext,
		Fingerprint: s.Box.Fingerprint([]byte(value)), SetBy: tenant.ActorFrom(ctx).AccountID, SetAt: time.Now().UTC()}
	if err := s.T.Q(ctx).Where("name = ?", name).Delete(&sealedRow{}).Error; err != nil {
		return err
	}
	return s.T.Q(ctx).Create(&row).Error
}

func (s *Service) infos(ctx context.Context) (map[string]SecretInfo, error) {
	var rows []sealedRow
	if err := s.T.Q(ctx).Select("tenant_id", "name", "fingerprint", "set_at").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]SecretInfo{}
	for _, r := range rows {
		at := r.SetAt
		out[r.Name] = SecretInfo{Set: true, Fingerprint: r.Fingerprint, SetAt: &at}
	}
	return out, nil
}

func (s *Service) section(ctx context.Context, name string) (map[string]string, error) {
	var row sectionRow
	err := s.T.Q(ctx).Where("section = ?", name).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return map[string]string{}, nil
	}
	return row.Data.V, err
}

func (s *Service) putSection(ctx context.Context, name string, data map[string]string) error {
	if err := s.T.Q(ctx).Where("section = ?", name).Delete(&sectionRow{}).Error; err != nil {
		return err
	}
	return s.T.Q(ctx).Create(&sectionRow{Section: name, Data: jsonb.Of(data), UpdatedBy: tenant.ActorFrom(ctx).AccountID, UpdatedAt: time.Now().UTC()}).Error
}

// PutMiniProgram stores the appid and, when given, the sealed app secret.
func (s *Service) PutMiniProgram(ctx context.Context, in MiniProgramInput) (MiniProgramView, error) {
	var f errs.Fields
	in.AppID = strings.TrimSpace(in.AppID)
	if f.Required("app_id", in.AppID) && !appIDRE.MatchString(in.AppID) {
		f.Add("app_id", "invalid_format", "must look like wx followed by 16 hex digits")
	}
	if in.AppSecret != nil && !appSecretRE.MatchString(*in.AppSecret) {
		f.Add("app_secret", "invalid_format", "must be 32 lowercase hex digits, as shown in the WeChat admin")
	}
	if err := f.Err(); err != nil {
		return MiniProgramView{}, err
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.putSection(ctx, "miniprogram", map[string]string{"app_id": in.AppID, "mode": "direct"}); err != nil {
			return err
		}
		changed := []string{"app_id"}
		if in.AppSecret != nil {
			if err := s.seal(ctx, SecretAppSecret, *in.AppSecret); err != nil {
				return err
			}
			changed = append(changed, "app_secret")
		}
		return s.Audit.Record(ctx, "settings.miniprogram_updated", "settings", "miniprogram", map[string]any{"changed": changed, "app_id": in.AppID})
	})
	if err != nil {
		return MiniProgramView{}, err
	}
	s.after(ctx, "miniprogram")
	return s.GetMiniProgram(ctx)
}

// GetMiniProgram shows the binding without the secret.
func (s *Service) GetMiniProgram(ctx context.Context) (MiniProgramView, error) {
	var v MiniProgramView
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		sec, err := s.section(ctx, "miniprogram")
		if err != nil {
			return err
		}
		infos, err := s.infos(ctx)
		if err != nil {
			return err
		}
		v = MiniProgramView{AppID: sec["app_id"], AppSecret: infos[SecretAppSecret], Mode: sec["mode"]}
		if v.Mode == "" {
			v.Mode = "direct"
		}
		v.AppSecretInUse = v.Mode == "direct" && v.AppSecret.Set
		return nil
	})
	return v, err
}

func validPrivateKey(p string) bool {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return false
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return true
	}
	_, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	return err == nil
}

// PutPayment stores WeChat Pay settings. Mainland stores use direct or partner
// mode; overseas stores take cross-border WeChat Pay (global).
func (s *Service) PutPayment(ctx context.Context, in PaymentInput) (PaymentView, error) {
	entity, err := s.Entity.EntityType(ctx)
	if err != nil {
		return PaymentView{}, err
	}
	var f errs.Fields
	switch in.Mode {
	case ModeDirect, ModePartner:
		if entity == "overseas" {
			f.Add("mode", "not_for_entity", "overseas stores take cross-border WeChat Pay: use global")
		}
	case ModeGlobal:
		if entity != "overseas" {
			f.Add("mode", "not_for_entity", "cross-border WeChat Pay is for overseas entities; use direct or partner")
		}
	default:
		f.Add("mode", "invalid_choice", "must be direct, partner or global")
	}
	if in.Mode == ModePartner {
		if f.Required("sub_mch_id", in.SubMchID) && !mchIDRE.MatchString(in.SubMchID) {
			f.Add("sub_mch_id", "invalid_format", "must be the 6–12 digit sub-merchant id")
		}
		// A sub-merchant pays through the platform's account: the brand's
		// own merchant fields would be stored and never used.
		for name, set := range map[string]bool{"mch_id": in.MchID != "", "cert_serial": in.CertSerial != "",
			"api_v3_key": in.APIv3Key != nil, "private_key": in.PrivateKey != nil,
			"platform_public_key_id": in.PlatformPublicKeyID != "", "platform_public_key": in.PlatformPublicKey != ""} {
			if set {
				f.Add(name, "not_for_mode", "is not used in partner mode (the platform's service-provider account pays); leave it out")
			}
		}
	} else if in.Mode != "" {
		if in.SubMchID != "" {
			f.Add("sub_mch_id", "not_for_mode", "is used only in partner mode; leave it out")
		}
		if f.Required("mch_id", in.MchID) && !mchIDRE.MatchString(in.MchID) {
			f.Add("mch_id", "invalid_format", "must be the 6–12 digit merchant id")
		}
		if f.Required("cert_serial", in.CertSerial) && !serialRE.MatchString(in.CertSerial) {
			f.Add("cert_serial", "invalid_format", "must be the certificate serial number in hex")
		}
	}
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	if !currencyRE.MatchString(in.Currency) || (in.Mode != ModeGlobal && in.Currency != "CNY") {
		f.Add("currency", "invalid_choice", "must be CNY, or an ISO 4217 code for cross-border payments")
	}
	if in.APIv3Key != nil && len(*in.APIv3Key) != 32 {
		f.Add("api_v3_key", "invalid_format", "must be the 32-character APIv3 key")
	}
	if in.PrivateKey != nil && !validPrivateKey(*in.PrivateKey) {
		f.Add("private_key", "invalid_format", "must be the merchant's PEM private key (apiclient_key.pem)")
	}
	if in.Mode == ModeDirect || in.Mode == ModeGlobal {
		if f.Required("platform_public_key_id", in.PlatformPublicKeyID) && !strings.HasPrefix(in.PlatformPublicKeyID, "PUB_KEY_ID_") {
			f.Add("platform_public_key_id", "invalid_format", "must be the WeChat Pay public key id (PUB_KEY_ID_…)")
		}
		if _, err := ParsePublicKey(in.PlatformPublicKey); f.Required("platform_public_key", in.PlatformPublicKey) && err != nil {
			f.Add("platform_public_key", "invalid_format", "must be the WeChat Pay public key in PEM (pub_key.pem)")
		}
	}
	if err := f.Err(); err != nil {
		return PaymentView{}, err
	}
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		infos, err := s.infos(ctx)
		if err != nil {
			return err
		}
		if in.Mode != ModePartner {
			if in.APIv3Key == nil && !infos[SecretAPIv3Key].Set {
				f.Add("api_v3_key", "required", "is required")
			}
			if in.PrivateKey == nil && !infos[SecretPrivateKey].Set {
				f.Add("private_key", "required", "is required")
			}
			if err := f.Err(); err != nil {
				return err
			}
		}
		if err := s.putSection(ctx, "payment", map[string]string{"mode": in.Mode, "mch_id": in.MchID, "sub_mch_id": in.SubMchID,
			"cert_serial": in.CertSerial, "currency": in.Currency, "platform_public_key_id": in.PlatformPublicKeyID,
			"platform_public_key": in.PlatformPublicKey}); err != nil {
			return err
		}
		changed := []string{"mode"}
		if in.APIv3Key != nil {
			if err := s.seal(ctx, SecretAPIv3Key, *in.APIv3Key); err != nil {
				return err
			}
			changed = append(changed, "api_v3_key")
		}
		if in.PrivateKey != nil {
			if err := s.seal(ctx, SecretPrivateKey, *in.PrivateKey); err != nil {
				return err
			}
			changed = append(changed, "private_key")
		}
		return s.Audit.Record(ctx, "settings.payment_updated", "settings", "payment", map[string]any{"changed": changed, "mode": in.Mode, "mch_id": in.MchID})
	})
	if err != nil {
		return PaymentView{}, err
	}
	s.after(ctx, "payment")
	return s.GetPayment(ctx)
}

// GetPayment shows WeChat Pay settings without secrets.
func (s *Service) GetPayment(ctx context.Context) (PaymentView, error) {
	var v PaymentView
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		sec, err := s.section(ctx, "payment")
		if err != nil {
			return err
		}
		infos, err := s.infos(ctx)
		if err != nil {
			return err
		}
		v = PaymentView{Mode: sec["mode"], MchID: sec["mch_id"], SubMchID: sec["sub_mch_id"], CertSerial: sec["cert_serial"],
			Currency: sec["currency"], APIv3Key: infos[SecretAPIv3Key], PrivateKey: infos[SecretPrivateKey],
			PlatformPublicKeyID: sec["platform_public_key_id"], PlatformPublicKey: sec["platform_public_key"]}
		return nil
	})
	return v, err
}

// ErrNotConfigured is returned when a store has not set a credential.
var ErrNotConfigured = errs.E(errs.Conflict, "not_configured", "this store has not configured this credential yet")

// Reveal opens a sealed secret of the tenant in ctx, for code that calls
// WeChat. The AAD names the tenant, so another tenant's row cannot be opened
// even if the scoping were bypassed.
func (s *Service) Reveal(ctx context.Context, name string) (secretbox.Secret, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return secretbox.Secret{}, tenant.ErrNoTenant
	}
	var row sealedRow
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("name = ?", name).Take(&row).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return secretbox.Secret{}, ErrNotConfigured
	}
	if err != nil {
		return secretbox.Secret{}, err
	}
	v, err := s.Box.Open(secretbox.Sealed{KeyID: row.KeyID, WrappedKey: row.WrappedKey, Ciphertext: row.Ciphertext}, aad(tid, name))
	if err != nil {
		return secretbox.Secret{}, err
	}
	return secretbox.NewSecret(string(v)), nil
}

// ParsePublicKey reads a PEM RSA public key (PKIX).
func ParsePublicKey(p string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}

// ParsePrivateKey reads a PEM RSA private key (PKCS#8 or PKCS#1).
func ParsePrivateKey(p string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errors.New("not an RSA key")
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}

// MessagesInput configures the subscribe-message templates the store sends.
type MessagesInput struct {
	PaidTemplateID    string `json:"paid_template_id" binding:"required"`
	ShippedTemplateID string `json:"shipped_template_id" binding:"required"`
	// CouponExpiryTemplateID reminds a member of a coupon about to expire
	// (optional: empty sends no reminder).
	CouponExpiryTemplateID string `json:"coupon_expiry_template_id"`
}

var templateRE = regexp.MustCompile(`^[A-Za-z0-9_-]{0,64}$`)

// PutMessages stores subscribe-message template ids ("" turns a message off).
func (s *Service) PutMessages(ctx context.Context, in MessagesInput) (MessagesInput, error) {
	var f errs.Fields
	if !templateRE.MatchString(in.PaidTemplateID) {
		f.Add("paid_template_id", "invalid_format", "must be the template id from the WeChat admin")
	}
	if !templateRE.MatchString(in.ShippedTemplateID) {
		f.Add("shipped_template_id", "invalid_format", "must be the template id from the WeChat admin")
	}
	if !templateRE.MatchString(in.CouponExpiryTemplateID) {
		f.Add("coupon_expiry_template_id", "invalid_format", "must be the template id from the WeChat admin")
	}
	if err := f.Err(); err != nil {
		return MessagesInput{}, err
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.putSection(ctx, "messages", map[string]string{"paid": in.PaidTemplateID, "shipped": in.ShippedTemplateID,
			"coupon_expiry": in.CouponExpiryTemplateID}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "settings.messages_updated", "settings", "messages", map[string]any{"paid": in.PaidTemplateID, "shipped": in.ShippedTemplateID})
	})
	return in, err
}

// Messages returns the configured templates.
func (s *Service) Messages(ctx context.Context) (MessagesInput, error) {
	var out MessagesInput
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		sec, err := s.section(ctx, "messages")
		out = MessagesInput{PaidTemplateID: sec["paid"], ShippedTemplateID: sec["shipped"], CouponExpiryTemplateID: sec["coupon_expiry"]}
		return err
	})
	return out, err
}

// ContactInput is how shoppers reach the store.
type ContactInput struct {
	// ServicePhone is shown to shoppers, e.g. on the closed-store screen
	// ("" for none).
	ServicePhone string `json:"service_phone" binding:"required" text:"service phone"`
}

var servicePhoneRE = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,18}[0-9]$`)

// PutContact stores the store's contact details.
func (s *Service) PutContact(ctx context.Context, in ContactInput) (ContactInput, error) {
	in.ServicePhone = strings.TrimSpace(in.ServicePhone)
	if in.ServicePhone != "" && !servicePhoneRE.MatchString(in.ServicePhone) {
		return ContactInput{}, errs.Field("service_phone", "invalid_phone", "must be 6–20 digits, spaces or dashes, e.g. 400-820-8820")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.putSection(ctx, "contact", map[string]string{"service_phone": in.ServicePhone}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "settings.contact_updated", "settings", "contact", map[string]any{"service_phone": in.ServicePhone})
	})
	return in, err
}

// Contact returns the store's contact details.
func (s *Service) Contact(ctx context.Context) (ContactInput, error) {
	var out ContactInput
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		sec, err := s.section(ctx, "contact")
		out.ServicePhone = sec["service_phone"]
		return err
	})
	return out, err
}

// Section reads a non-secret settings section in the transaction of ctx.
func (s *Service) Section(ctx context.Context, name string) (map[string]string, error) {
	return s.section(ctx, name)
}

// PutSection replaces a non-secret settings section in the transaction of ctx.
func (s *Service) PutSection(ctx context.Context, name string, data map[string]string) error {
	return s.putSection(ctx, name, data)
}

// AppID returns the store's mini-program appid; conflict when not connected.
func (s *Service) AppID(ctx context.Context) (string, error) {
	v, err := s.GetMiniProgram(ctx)
	if err != nil {
		return "", err
	}
	if v.AppID == "" {
		return "", errs.E(errs.Conflict, "miniprogram_not_connected", "connect the store's mini-program (appid) before building")
	}
	return v.AppID, nil
}
