// Package onboard holds console accounts and their sessions, brand sign-up and
// store provisioning, entity and category rules, onboarding documents and
// their review, staff invitations and agencies.
package onboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	pkgmail "github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
)

// Account is a console user: brand staff, agency staff or platform operator.
type Account struct {
	ID           string    `gorm:"primaryKey" json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	IsOperator   bool      `json:"is_operator"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// RefreshToken is one link of a rotating refresh-token family. Only its hash is stored.
type RefreshToken struct {
	ID        string `gorm:"primaryKey"`
	AccountID string
	FamilyID  string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// Session is what an access token stands for.
type Session struct {
	AccountID string `json:"a"`
	Operator  bool   `json:"o,omitempty"`
	Family    string `json:"f"`
}

// Tokens is what sign-up, login and refresh return.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// Auth signs console users in and out.
type Auth struct {
	T *tenant.Store
	R redis.UniversalClient
	// Near, when set, holds instances' copies of sessions; ending a session
	// returns only when they have dropped them.
	Near       *kv.Near
	Prefix     string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// MaxFailures wrong passwords for one email lock it for LockFor.
	MaxFailures int
	LockFor     time.Duration
	// MaxPerIP login attempts per minute from one address.
	MaxPerIP int
	// Mail sends password-reset links (queued as platform mail: it belongs
	// to no store); BaseURL is the console's address for the link.
	Mail    pkgmail.Sender
	BaseURL string
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// SessionKey is the Redis key of an access token.
func (a *Auth) SessionKey(access string) string { return a.Prefix + "sess:" + hashToken(access) }
func (a *Auth) familyKey(f string) string       { return a.Prefix + "fam:" + f }

// NormalizeEmail lower-cases and validates an email address.
func NormalizeEmail(field, s string, f *errs.Fields) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !f.Required(field, s) || !f.MaxLen(field, s, 254) {
		return s
	}
	if addr, err := mail.ParseAddress(s); err != nil || addr.Address != s {
		f.Add(field, "invalid_email", "must be an email address like name@example.com")
	}
	return s
}

func checkPassword(field, pw string, f *errs.Fields) {
	if len(pw) < 10 {
		f.Add(field, "too_short", "must be at least 10 characters")
	} else if len(pw) > 128 {
		f.Add(field, "too_long", "must be at most 128 characters")
	}
}

// SignUpInput is a new brand user.
type SignUpInput struct {
	Email    string `json:"email" binding:"required"`
	Password string `json:"password" binding:"required"`
	Name     string `json:"name" text:"name"`
}

// SignUp creates an account and signs it in. Returns conflict when the email is taken.
func (a *Auth) SignUp(ctx context.Context, in SignUpInput) (Account, Tokens, error) {
	var f errs.Fields
	email := NormalizeEmail("email", in.Email, &f)
	checkPassword("password", in.Password, &f)
	name := strings.TrimSpace(in.Name)
	f.MaxLen("name", name, 100)
	if err := f.Err(); err != nil {
		return Account{}, Tokens{}, err
	}
	acc, err := a.CreateAccount(ctx, email, in.Password, name, false)
	if err != nil {
		return Account{}, Tokens{}, err
	}
	t, err := a.issue(ctx, acc, ids.New())
	return acc, t, err
}

// CreateAccount inserts an account (used by sign-up and "shoplet admin create").
func (a *Auth) CreateAccount(ctx context.Context, email, password, name string, operator bool) (Account, error) {
	now := time.Now().UTC()
	acc := Account{ID: ids.New(), Email: email, Name: name, PasswordHash: HashPassword(password), IsOperator: operator, CreatedAt: now, UpdatedAt: now}
	err := a.T.P(ctx).Create(&acc).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Account{}, &errs.Error{Kind: errs.Conflict, Code: "email_taken", Message: "an account with this email exists",
			Fields: []errs.FieldError{{Field: "email", Code: "taken", Message: "is already registered; sign in instead"}}}
	}
	return acc, err
}

// AccountByEmail finds an account.
func (a *Auth) AccountByEmail(ctx context.Context, email string) (Account, error) {
	var acc Account
	err := a.T.P(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&acc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return acc, errs.NotFoundf("account")
	}
	return acc, err
}

// AccountByID finds an account.
func (a *Auth) AccountByID(ctx context.Context, id string) (Account, error) {
	var acc Account
	if !ids.Valid(id) {
		return acc, errs.NotFoundf("account")
	}
	err := a.T.P(ctx).Where("id = ?", id).Take(&acc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return acc, errs.NotFoundf("account")
	}
	return acc, err
}

var errBadLogin = &errs.Error{Kind: errs.Unauthenticated, Code: "bad_credentials", Message: "email or password is wrong"}

// Login checks a password. Repeated failures lock the email for LockFor, and
// one address may try MaxPerIP times a minute; both answer rate_limited.
func (a *Auth) Login(ctx context.Context, email, password, ip string) (Tokens, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	ipKey := a.Prefix + "login-ip:" + ip
	failKey := a.Prefix + "login-fail:" + hashToken(email)
	// One transaction per key: the two keys lie in different slots of a cluster.
	pipe := a.R.TxPipeline()
	ipCount := pipe.Incr(ctx, ipKey)
	pipe.ExpireNX(ctx, ipKey, time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		return Tokens{}, err
	}
	pipe = a.R.TxPipeline()
	fails := pipe.Get(ctx, failKey)
	failTTL := pipe.TTL(ctx, failKey)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Tokens{}, err
	}
	if a.MaxPerIP > 0 && ipCount.Val() > int64(a.MaxPerIP) {
		return Tokens{}, &errs.Error{Kind: errs.RateLimited, Code: "too_many_attempts", Message: "too many sign-in attempts from this address; wait a minute", RetryAfter: 60}
	}
	if n, _ := fails.Int(); a.MaxFailures > 0 && n >= a.MaxFailures {
		return Tokens{}, &errs.Error{Kind: errs.RateLimited, Code: "account_locked",
			Message: "too many wrong passwords; this account is locked for a while", RetryAfter: int(failTTL.Val().Seconds()) + 1}
	}
	acc, err := a.AccountByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		CheckPassword(dummyHash, password)
		return Tokens{}, errBadLogin
	}
	if err != nil {
		return Tokens{}, err
	}
	if !CheckPassword(acc.PasswordHash, password) {
		p := a.R.TxPipeline()
		p.Incr(ctx, failKey)
		p.ExpireNX(ctx, failKey, a.LockFor)
		if _, err := p.Exec(ctx); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, errBadLogin
	}
	a.R.Del(ctx, failKey)
	return a.issue(ctx, acc, ids.New())
}

// issue creates an access session and a refresh token in family.
func (a *Auth) issue(ctx context.Context, acc Account, family string) (Tokens, error) {
	access, refresh := ids.Token(32), ids.Token(32)
	now := time.Now().UTC()
	rt := RefreshToken{ID: ids.New(), AccountID: acc.ID, FamilyID: family, TokenHash: hashToken(refresh),
		ExpiresAt: now.Add(a.RefreshTTL), CreatedAt: now}
	if err := a.T.P(ctx).Create(&rt).Error; err != nil {
		return Tokens{}, err
	}
	b, _ := json.Marshal(Session{AccountID: acc.ID, Operator: acc.IsOperator, Family: family})
	// The family first: a session its family does not list could not be
	// revoked. (The two keys lie in different slots of a cluster, so they
	// cannot share a transaction.)
	pipe := a.R.TxPipeline()
	pipe.SAdd(ctx, a.familyKey(family), hashToken(access))
	pipe.Expire(ctx, a.familyKey(family), a.RefreshTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return Tokens{}, err
	}
	if err := a.R.Set(ctx, a.SessionKey(access), b, a.AccessTTL).Err(); err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(a.AccessTTL.Seconds())}, nil
}

var errBadRefresh = &errs.Error{Kind: errs.Unauthenticated, Code: "invalid_refresh_token", Message: "the refresh token is invalid or expired; sign in again"}

// Refresh rotates a refresh token. Presenting a token that was already used
// means it was stolen or replayed: the whole family is revoked.
func (a *Auth) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	if refresh == "" {
		return Tokens{}, errs.Field("refresh_token", "required", "is required")
	}
	var rt RefreshToken
	err := a.T.P(ctx).Where("token_hash = ?", hashToken(refresh)).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Tokens{}, errBadRefresh
	}
	if err != nil {
		return Tokens{}, err
	}
	now := time.Now().UTC()
	if rt.RevokedAt != nil || now.After(rt.ExpiresAt) {
		return Tokens{}, errBadRefresh
	}
	res := a.T.P(ctx).Model(&RefreshToken{}).Where("id = ? AND used_at IS NULL", rt.ID).Update("used_at", now)
	if res.Error != nil {
		return Tokens{}, res.Error
	}
	if res.RowsAffected == 0 {
		if err := a.revokeFamily(ctx, rt.FamilyID); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, &errs.Error{Kind: errs.Unauthenticated, Code: "refresh_token_reused", Message: "this refresh token was already used; every session of this sign-in was ended"}
	}
	acc, err := a.AccountByID(ctx, rt.AccountID)
	if err != nil {
		return Tokens{}, errBadRefresh
	}
	return a.issue(ctx, acc, rt.FamilyID)
}

// Logout ends the sign-in the access token belongs to: every access token and
// refresh token of its family stop working at once.
func (a *Auth) Logout(ctx context.Context, s Session) error {
	return a.revokeFamily(ctx, s.Family)
}

func (a *Auth) revokeFamily(ctx context.Context, family string) error {
	now := time.Now().UTC()
	if err := a.T.P(ctx).Model(&RefreshToken{}).Where("family_id = ? AND revoked_at IS NULL", family).Update("revoked_at", now).Error; err != nil {
		return err
	}
	hashes, err := a.R.SMembers(ctx, a.familyKey(family)).Result()
	if err != nil {
		return err
	}
	keys := []string{a.familyKey(family)}
	for _, h := range hashes {
		keys = append(keys, a.Prefix+"sess:"+h)
	}
	if err := kv.Revoke(ctx, a.R, keys...); err != nil {
		return err
	}
	if a.Near != nil {
		return a.Near.Invalidate(ctx, keys[1:]...)
	}
	return nil
}

// DecodeSession decodes an MGET value of SessionKey; unauthenticated when missing.
func DecodeSession(v any) (Session, error) {
	str, ok := v.(string)
	if !ok || str == "" {
		return Session{}, errs.E(errs.Unauthenticated, "invalid_token", "the access token is invalid or expired")
	}
	var s Session
	if err := json.Unmarshal([]byte(str), &s); err != nil {
		return Session{}, err
	}
	return s, nil
}
