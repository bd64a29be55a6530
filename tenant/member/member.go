// Package member holds the shoppers of one brand: their WeChat identity
// (OpenID per brand, UnionID when present), profile, addresses and privacy
// consent, their sessions (bound to that brand), and PIPL export and deletion.
package member

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/wxapp"
	"gorm.io/gorm"
)

// Member is a shopper of one brand.
type Member struct {
	tenant.Base
	ID             string     `gorm:"primaryKey" json:"id"`
	OpenID         string     `gorm:"column:openid" json:"-"`
	UnionID        string     `gorm:"column:unionid" json:"-"`
	Nickname       string     `json:"nickname"`
	AvatarURL      string     `json:"avatar_url"`
	Phone          string     `json:"phone"`
	PhoneSource    string     `json:"phone_source"` // wechat | typed
	ConsentVersion string     `json:"consent_version"`
	ConsentAt      *time.Time `json:"consent_at"`
	EntryScene     string     `json:"entry_scene"`
	ShareFrom      string     `json:"share_from"`
	DeletedAt      *time.Time `json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Address is a shipping address of a member.
type Address struct {
	tenant.Base
	ID         string    `gorm:"primaryKey" json:"id"`
	MemberID   string    `json:"-"`
	Name       string    `json:"name"`
	Phone      string    `json:"phone"`
	Province   string    `json:"province"`
	City       string    `json:"city"`
	District   string    `json:"district"`
	Detail     string    `json:"detail"`
	PostalCode string    `json:"postal_code"`
	IsDefault  bool      `json:"is_default"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func (Address) TableName() string { return "member_addresses" }

// Session is what a shop token stands for: one member of one brand.
type Session struct {
	TenantID string `json:"t"`
	MemberID string `json:"m"`
	OpenID   string `json:"o"`
}

// WeChat is what the member service needs from WeChat.
type WeChat interface {
	Code2Session(ctx context.Context, code string) (wxapp.Session, error)
	PhoneNumber(ctx context.Context, code string) (string, error)
}

// Entity tells mainland from overseas stores.
type Entity interface {
	EntityType(ctx context.Context) (string, error)
}

// Service manages members of the tenant in ctx.
type Service struct {
	T *tenant.Store
	R redis.UniversalClient
	// Near, when set, holds instances' copies of shop sessions; ending them
	// returns only when every instance has dropped its copies.
	Near   *kv.Near
	Prefix string
	WeChat WeChat
	Entity Entity
	TTL    time.Duration
	// Exporter adds the member's orders to a data export; may be nil.
	Exporter func(ctx context.Context, memberID string) (any, error)
	// Anonymiser scrubs what order history keeps (addresses); may be nil.
	Anonymiser func(ctx context.Context, memberID string) error
	// OnNew runs after a login created the member (new-member gifts); may be nil.
	OnNew func(ctx context.Context, m Member)
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// SessionKey is the Redis key of a shop token.
func (s *Service) SessionKey(token string) string { return s.Prefix + "shop:" + hash(token) }

// CheckoutMemoKey names where the shop API keeps a session's last checkout
// (idempotency key and order id) to answer a double tap without the database.
func (s *Service) CheckoutMemoKey(tid, token string) string {
	return s.Prefix + "checkout:{" + tid + "}:" + hash(token)
}

// LoginInput is what the mini-program sends after wx.login.
type LoginInput struct {
	Code      string `json:"code" binding:"required"`
	Scene     string `json:"scene"`      // entry scene (share, QR scan, search, official account)
	ShareFrom string `json:"share_from"` // member id of the sharer, if entered from a share
}

// LoginResult is a shop token and the member.
type LoginResult struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	Member    Member `json:"member"`
	New       bool   `json:"new"`
}

// Login exchanges the code with WeChat for this brand's app and signs the
// shopper in as a member of this brand only.
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	var f errs.Fields
	if f.Required("code", in.Code) {
		f.MaxLen("code", in.Code, 128)
	}
	f.MaxLen("scene", in.Scene, 32)
	f.MaxLen("share_from", in.ShareFrom, 64)
	if err := f.Err(); err != nil {
		return LoginResult{}, err
	}
	ws, err := s.WeChat.Code2Session(ctx, in.Code)
	if err != nil {
		return LoginResult{}, err
	}
	var m Member
	created := false
	now := time.Now().UTC()
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		err := s.T.Q(ctx).Where("openid = ?", ws.OpenID).Take(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			m = Member{ID: ids.New(), OpenID: ws.OpenID, UnionID: ws.UnionID, EntryScene: in.Scene, ShareFrom: in.ShareFrom, CreatedAt: now, UpdatedAt: now}
			created = true
			return s.T.Q(ctx).Create(&m).Error
		}
		if err != nil {
			return err
		}
		// (A deleted shopper's OpenID was replaced, so coming back creates a new member.)
		upd := map[string]any{"updated_at": now}
		if ws.UnionID != "" && m.UnionID == "" {
			upd["unionid"] = ws.UnionID
		}
		return s.T.Q(ctx).Model(&Member{}).Where("id = ?", m.ID).Updates(upd).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) { // two first logins raced; the other one created the member
		return s.Login(ctx, in)
	}
	if err != nil {
		return LoginResult{}, err
	}
	tid, _ := tenant.FromContext(ctx)
	token := ids.Token(32)
	b, _ := json.Marshal(Session{TenantID: tid, MemberID: m.ID, OpenID: m.OpenID})
	// The list first: a session the member's list does not hold could not be revoked.
	if err := s.R.SAdd(ctx, s.memberSessions(tid, m.ID), hash(token)).Err(); err != nil {
		return LoginResult{}, err
	}
	if err := s.R.Set(ctx, s.SessionKey(token), b, s.TTL).Err(); err != nil {
		return LoginResult{}, err
	}
	if created && s.OnNew != nil {
		s.OnNew(ctx, m)
	}
	return LoginResult{Token: token, ExpiresIn: int(s.TTL.Seconds()), Member: m, New: created}, nil
}

func (s *Service) memberSessions(tid, memberID string) string {
	return s.Prefix + "shop-member:{" + tid + "}:" + memberID
}

// DecodeSession reads a session stored under SessionKey.
func DecodeSession(v string) (Session, error) {
	var out Session
	err := json.Unmarshal([]byte(v), &out)
	return out, err
}

// Get returns the member.
func (s *Service) Get(ctx context.Context, id string) (Member, error) {
	var m Member
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&m).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, errs.NotFoundf("member")
	}
	return m, err
}

// ProfileInput changes what a shopper chose to show.
type ProfileInput struct {
	Nickname  *string `json:"nickname" text:"name"`
	AvatarURL *string `json:"avatar_url"`
}

// UpdateProfile changes nickname or avatar.
func (s *Service) UpdateProfile(ctx context.Context, id string, in ProfileInput) (Member, error) {
	var f errs.Fields
	upd := map[string]any{"updated_at": time.Now().UTC()}
	if in.Nickname != nil {
		f.MaxLen("nickname", *in.Nickname, 40)
		upd["nickname"] = strings.TrimSpace(*in.Nickname)
	}
	if in.AvatarURL != nil {
		if f.MaxLen("avatar_url", *in.AvatarURL, 500) && *in.AvatarURL != "" && !strings.HasPrefix(*in.AvatarURL, "https://") {
			f.Add("avatar_url", "invalid_url", "must be an https URL")
		}
		upd["avatar_url"] = *in.AvatarURL
	}
	if err := f.Err(); err != nil {
		return Member{}, err
	}
	if len(upd) == 1 {
		return Member{}, errs.Field("body", "empty", "give nickname or avatar_url")
	}
	if err := s.update(ctx, id, upd); err != nil {
		return Member{}, err
	}
	return s.Get(ctx, id)
}

// SetAvatar points the member's avatar at an image the store serves (a path
// of the shop API, made by the caller from a file it saved).
func (s *Service) SetAvatar(ctx context.Context, id, path string) (Member, error) {
	if err := s.update(ctx, id, map[string]any{"avatar_url": path, "updated_at": time.Now().UTC()}); err != nil {
		return Member{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) update(ctx context.Context, id string, upd map[string]any) error {
	return s.T.Tx(ctx, func(ctx context.Context) error {
		res := s.T.Q(ctx).Model(&Member{}).Where("id = ? AND deleted_at IS NULL", id).Updates(upd)
		if res.Error == nil && res.RowsAffected == 0 {
			return errs.NotFoundf("member")
		}
		return res.Error
	})
}

var versionRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Consent records which privacy policy version the shopper agreed to, and when.
func (s *Service) Consent(ctx context.Context, id, version string) (Member, error) {
	if !versionRE.MatchString(version) {
		return Member{}, errs.Field("version", "invalid", "give the privacy policy version, e.g. 2026-11")
	}
	now := time.Now().UTC()
	if err := s.update(ctx, id, map[string]any{"consent_version": version, "consent_at": now, "updated_at": now}); err != nil {
		return Member{}, err
	}
	return s.Get(ctx, id)
}

var phoneRE = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// PhoneInput is either a getPhoneNumber code (mainland stores) or a typed number (overseas stores).
type PhoneInput struct {
	Code  string `json:"code"`
	Phone string `json:"phone"`
}

// SetPhone stores the phone. WeChat gives the number only to mainland
// entities; an overseas store's shopper types it.
func (s *Service) SetPhone(ctx context.Context, id string, in PhoneInput) (Member, error) {
	entity, err := s.Entity.EntityType(ctx)
	if err != nil {
		return Member{}, err
	}
	var phone, source string
	switch {
	case in.Code != "" && entity == "overseas":
		return Member{}, errs.Field("code", "not_available", "WeChat does not give phone numbers to overseas stores; send the number the shopper typed as phone")
	case in.Code != "":
		if phone, err = s.WeChat.PhoneNumber(ctx, in.Code); err != nil {
			return Member{}, err
		}
		source = "wechat"
	case in.Phone != "":
		if !phoneRE.MatchString(in.Phone) {
			return Member{}, errs.Field("phone", "invalid_phone", "must be 6–15 digits, optionally starting with +")
		}
		phone, source = in.Phone, "typed"
	default:
		return Member{}, errs.Field("code", "required", "give a getPhoneNumber code or a typed phone")
	}
	if err := s.update(ctx, id, map[string]any{"phone": phone, "phone_source": source, "updated_at": time.Now().UTC()}); err != nil {
		return Member{}, err
	}
	return s.Get(ctx, id)
}

// AddressInput creates or replaces an address.
type AddressInput struct {
	Name       string `json:"name" binding:"required"`
	Phone      string `json:"phone" binding:"required"`
	Province   string `json:"province" binding:"required"`
	City       string `json:"city" binding:"required"`
	District   string `json:"district"`
	Detail     string `json:"detail" binding:"required"`
	PostalCode string `json:"postal_code"`
	IsDefault  bool   `json:"is_default"`
}

func (in *AddressInput) validate() error {
	var f errs.Fields
	for _, x := range []struct {
		name, v string
		max     int
		req     bool
	}{{"name", in.Name, 40, true}, {"phone", in.Phone, 20, true}, {"province", in.Province, 40, true}, {"city", in.City, 40, true},
		{"district", in.District, 40, false}, {"detail", in.Detail, 200, true}, {"postal_code", in.PostalCode, 12, false}} {
		if x.req {
			f.Required(x.name, strings.TrimSpace(x.v))
		}
		f.MaxLen(x.name, x.v, x.max)
	}
	if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		f.Add("phone", "invalid_phone", "must be 6–15 digits, optionally starting with +")
	}
	return f.Err()
}

// Addresses lists a member's addresses, default first.
func (s *Service) Addresses(ctx context.Context, memberID string) ([]Address, error) {
	out := []Address{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("member_id = ?", memberID).Order("is_default DESC, id").Find(&out).Error
	})
	return out, err
}

// Address returns one address of the member; not_found otherwise.
func (s *Service) Address(ctx context.Context, memberID, id string) (Address, error) {
	var a Address
	if !ids.Valid(id) {
		return a, errs.NotFoundf("address")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("member_id = ? AND id = ?", memberID, id).Take(&a).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, errs.NotFoundf("address")
	}
	return a, err
}

// SaveAddress creates (id "") or replaces an address; a default one clears the others.
func (s *Service) SaveAddress(ctx context.Context, memberID, id string, in AddressInput) (Address, error) {
	if err := in.validate(); err != nil {
		return Address{}, err
	}
	now := time.Now().UTC()
	a := Address{ID: id, MemberID: memberID, Name: in.Name, Phone: in.Phone, Province: in.Province, City: in.City, District: in.District,
		Detail: in.Detail, PostalCode: in.PostalCode, IsDefault: in.IsDefault, CreatedAt: now, UpdatedAt: now}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var n int64
		if err := q.Model(&Address{}).Where("member_id = ?", memberID).Count(&n).Error; err != nil {
			return err
		}
		if id == "" && n >= 20 {
			return errs.E(errs.Conflict, "too_many_addresses", "a shopper keeps at most 20 addresses")
		}
		if n == 0 {
			a.IsDefault = true
		}
		if a.IsDefault {
			if err := q.Model(&Address{}).Where("member_id = ?", memberID).Update("is_default", false).Error; err != nil {
				return err
			}
		}
		if id == "" {
			a.ID = ids.New()
			return q.Create(&a).Error
		}
		if !ids.Valid(id) {
			return errs.NotFoundf("address")
		}
		res := q.Model(&Address{}).Where("member_id = ? AND id = ?", memberID, id).Updates(map[string]any{"name": a.Name, "phone": a.Phone,
			"province": a.Province, "city": a.City, "district": a.District, "detail": a.Detail, "postal_code": a.PostalCode,
			"is_default": a.IsDefault, "updated_at": now})
		if res.Error == nil && res.RowsAffected == 0 {
			return errs.NotFoundf("address")
		}
		return res.Error
	})
	return a, err
}

// DeleteAddress removes an address.
func (s *Service) DeleteAddress(ctx context.Context, memberID, id string) error {
	if !ids.Valid(id) {
		return errs.NotFoundf("address")
	}
	return s.T.Tx(ctx, func(ctx context.Context) error {
		res := s.T.Q(ctx).Where("member_id = ? AND id = ?", memberID, id).Delete(&Address{})
		if res.Error == nil && res.RowsAffected == 0 {
			return errs.NotFoundf("address")
		}
		return res.Error
	})
}

// Export is a copy of everything a brand keeps about a shopper (PIPL art. 45).
type Export struct {
	Member     Member    `json:"member"`
	Addresses  []Address `json:"addresses"`
	Orders     any       `json:"orders"`
	ExportedAt time.Time `json:"exported_at"`
}

// ExportData gathers the member's data.
func (s *Service) ExportData(ctx context.Context, id string) (Export, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Export{}, err
	}
	addrs, err := s.Addresses(ctx, id)
	if err != nil {
		return Export{}, err
	}
	var orders any = []any{}
	if s.Exporter != nil {
		if orders, err = s.Exporter(ctx, id); err != nil {
			return Export{}, err
		}
	}
	return Export{Member: m, Addresses: addrs, Orders: orders, ExportedAt: time.Now().UTC()}, nil
}

// Delete erases the shopper (PIPL art. 47): profile, phone and addresses go,
// the OpenID is replaced so the account cannot be linked again, and orders,
// which accounting must keep, keep amounts but lose the delivery address.
// Every session of the member ends.
func (s *Service) Delete(ctx context.Context, id string) error {
	tid, _ := tenant.FromContext(ctx)
	now := time.Now().UTC()
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Where("member_id = ?", id).Delete(&Address{}).Error; err != nil {
			return err
		}
		res := q.Model(&Member{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{
			"openid": "deleted:" + id, "unionid": "", "nickname": "", "avatar_url": "", "phone": "", "phone_source": "",
			"share_from": "", "deleted_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.NotFoundf("member")
		}
		if s.Anonymiser != nil {
			return s.Anonymiser(ctx, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	key := s.memberSessions(tid, id)
	hashes, err := s.R.SMembers(ctx, key).Result()
	if err != nil {
		return err
	}
	keys := []string{key}
	for _, h := range hashes {
		keys = append(keys, s.Prefix+"shop:"+h)
	}
	if err := kv.Revoke(ctx, s.R, keys...); err != nil {
		return err
	}
	if s.Near != nil {
		return s.Near.Invalidate(ctx, keys[1:]...)
	}
	return nil
}

// List returns the store's members, newest first.
func (s *Service) List(ctx context.Context, cursor string, limit int) ([]Member, string, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	if cursor != "" && !ids.Valid(cursor) {
		return nil, "", errs.Field("cursor", "invalid", "is not a cursor from this list")
	}
	var out []Member
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Where("deleted_at IS NULL").Order("id DESC").Limit(limit + 1)
		if cursor != "" {
			q = q.Where("id < ?", cursor)
		}
		return q.Find(&out).Error
	})
	if err != nil {
		return nil, "", err
	}
	out, next := db.Page(out, limit, func(m Member) string { return m.ID })
	return out, next, nil
}
