package onboard

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
)

// Agency is an operator company (代运营) that runs stores for brands.
type Agency struct {
	ID        string    `gorm:"primaryKey" json:"id"`
	Name      string    `json:"name"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// AgencyMember is a person of an agency.
type AgencyMember struct {
	AgencyID  string    `gorm:"primaryKey" json:"agency_id"`
	AccountID string    `gorm:"primaryKey" json:"account_id"`
	Role      string    `json:"role"` // admin | member
	CreatedAt time.Time `json:"created_at"`
}

func (AgencyMember) TableName() string { return "agency_members" }

// Agencies manages agencies and their people.
type Agencies struct {
	T      *tenant.Store
	R      redis.UniversalClient
	Prefix string
	Auth   *Auth
}

func (a *Agencies) cacheKey(accountID string) string { return a.Prefix + "agencies:" + accountID }

// Create makes an agency with the actor as its admin.
func (a *Agencies) Create(ctx context.Context, name string) (Agency, error) {
	name = strings.TrimSpace(name)
	var f errs.Fields
	if f.Required("name", name) {
		f.MaxLen("name", name, 80)
	}
	if err := f.Err(); err != nil {
		return Agency{}, err
	}
	actor := tenant.ActorFrom(ctx).AccountID
	now := time.Now().UTC()
	ag := Agency{ID: ids.New(), Name: name, CreatedBy: actor, CreatedAt: now}
	err := a.T.PlatformTx(ctx, func(ctx context.Context) error {
		if err := a.T.P(ctx).Create(&ag).Error; err != nil {
			return err
		}
		return a.T.P(ctx).Create(&AgencyMember{AgencyID: ag.ID, AccountID: actor, Role: "admin", CreatedAt: now}).Error
	})
	if err != nil {
		return Agency{}, err
	}
	return ag, a.R.Del(ctx, a.cacheKey(actor)).Err()
}

// Of returns the agencies accountID belongs to, cached in Redis. Only requests
// by people without a direct role in a store need it.
func (a *Agencies) Of(ctx context.Context, accountID string) ([]string, error) {
	if b, err := a.R.Get(ctx, a.cacheKey(accountID)).Bytes(); err == nil {
		var out []string
		if json.Unmarshal(b, &out) == nil {
			return out, nil
		}
	} else if !errors.Is(err, redis.Nil) {
		return nil, err
	}
	var out []string
	if err := a.T.P(ctx).Model(&AgencyMember{}).Where("account_id = ?", accountID).Order("agency_id").Pluck("agency_id", &out).Error; err != nil {
		return nil, err
	}
	if out == nil {
		out = []string{}
	}
	b, _ := json.Marshal(out)
	return out, a.R.Set(ctx, a.cacheKey(accountID), b, 10*time.Minute).Err()
}

// Mine lists the agencies of the actor.
func (a *Agencies) Mine(ctx context.Context) ([]Agency, error) {
	var out []Agency
	err := a.T.P(ctx).Table("agencies ag").Select("ag.*").Joins("JOIN agency_members m ON m.agency_id = ag.id").
		Where("m.account_id = ?", tenant.ActorFrom(ctx).AccountID).Order("ag.name").Scan(&out).Error
	return out, err
}

// role returns the actor's role in agency; not_found when not a member.
func (a *Agencies) role(ctx context.Context, agencyID string) (string, error) {
	if !ids.Valid(agencyID) {
		return "", errs.NotFoundf("agency")
	}
	var m AgencyMember
	err := a.T.P(ctx).Where("agency_id = ? AND account_id = ?", agencyID, tenant.ActorFrom(ctx).AccountID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", errs.NotFoundf("agency")
	}
	return m.Role, err
}

// AgencyPerson is a member with name and email.
type AgencyPerson struct {
	AccountID string    `json:"account_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Members lists an agency's people (for its members only).
func (a *Agencies) Members(ctx context.Context, agencyID string) ([]AgencyPerson, error) {
	if _, err := a.role(ctx, agencyID); err != nil {
		return nil, err
	}
	var out []AgencyPerson
	err := a.T.P(ctx).Table("agency_members m").Select("m.account_id, acc.email, acc.name, m.role, m.created_at").
		Joins("JOIN accounts acc ON acc.id = m.account_id").Where("m.agency_id = ?", agencyID).Order("m.created_at").Scan(&out).Error
	return out, err
}

// AddMember adds an existing account, by email, to the agency (agency admins only).
func (a *Agencies) AddMember(ctx context.Context, agencyID, email, role string) (AgencyMember, error) {
	r, err := a.role(ctx, agencyID)
	if err != nil {
		return AgencyMember{}, err
	}
	if r != "admin" {
		return AgencyMember{}, errs.E(errs.Forbidden, "agency_admin_only", "only the agency's admins can add people")
	}
	var f errs.Fields
	email = NormalizeEmail("email", email, &f)
	if role != "admin" && role != "member" {
		f.Add("role", "invalid_choice", "must be admin or member")
	}
	if err := f.Err(); err != nil {
		return AgencyMember{}, err
	}
	acc, err := a.Auth.AccountByEmail(ctx, email)
	if err != nil {
		return AgencyMember{}, errs.Field("email", "not_found", "no account has this email; ask them to sign up first")
	}
	m := AgencyMember{AgencyID: agencyID, AccountID: acc.ID, Role: role, CreatedAt: time.Now().UTC()}
	if err := a.T.P(ctx).Create(&m).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return m, errs.E(errs.Conflict, "already_member", "this person is already in the agency")
		}
		return m, err
	}
	return m, a.R.Del(ctx, a.cacheKey(acc.ID)).Err()
}

// RemoveMember takes a person out of the agency; they lose every store the
// agency operates at their next request.
func (a *Agencies) RemoveMember(ctx context.Context, agencyID, accountID string) error {
	r, err := a.role(ctx, agencyID)
	if err != nil {
		return err
	}
	if r != "admin" {
		return errs.E(errs.Forbidden, "agency_admin_only", "only the agency's admins can remove people")
	}
	if !ids.Valid(accountID) {
		return errs.NotFoundf("agency member")
	}
	res := a.T.P(ctx).Where("agency_id = ? AND account_id = ?", agencyID, accountID).Delete(&AgencyMember{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.NotFoundf("agency member")
	}
	return a.R.Del(ctx, a.cacheKey(accountID)).Err()
}

// MyStore is a store the actor can open, directly or through an agency.
type MyStore struct {
	TenantID   string `json:"id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	EntityType string `json:"entity_type"`
	Status     string `json:"status"`
	Role       string `json:"role"`
	AgencyID   string `json:"agency_id,omitempty"`
	AgencyName string `json:"agency_name,omitempty"`
}

// MyStores lists the stores the actor works in: as staff, and through every
// agency it belongs to, side by side.
func (a *Agencies) MyStores(ctx context.Context) ([]MyStore, error) {
	acc := tenant.ActorFrom(ctx).AccountID
	var direct, viaAgency []MyStore
	err := a.T.P(ctx).Table("memberships m").Select("t.id AS tenant_id, t.slug, t.name, t.entity_type, t.status, m.role").
		Joins("JOIN tenants t ON t.id = m.tenant_id").Where("m.account_id = ?", acc).Order("t.name").Scan(&direct).Error
	if err != nil {
		return nil, err
	}
	err = a.T.P(ctx).Table("agency_members am").
		Select("t.id AS tenant_id, t.slug, t.name, t.entity_type, t.status, g.role, ag.id AS agency_id, ag.name AS agency_name").
		Joins("JOIN agency_grants g ON g.agency_id = am.agency_id").Joins("JOIN tenants t ON t.id = g.tenant_id").
		Joins("JOIN agencies ag ON ag.id = am.agency_id").Where("am.account_id = ?", acc).Order("t.name").Scan(&viaAgency).Error
	if err != nil {
		return nil, err
	}
	return append(direct, viaAgency...), nil
}

// AgencyStores lists the stores an agency operates (for its members).
func (a *Agencies) AgencyStores(ctx context.Context, agencyID string) ([]MyStore, error) {
	if _, err := a.role(ctx, agencyID); err != nil {
		return nil, err
	}
	var out []MyStore
	err := a.T.P(ctx).Table("agency_grants g").
		Select("t.id AS tenant_id, t.slug, t.name, t.entity_type, t.status, g.role, g.agency_id").
		Joins("JOIN tenants t ON t.id = g.tenant_id").Where("g.agency_id = ?", agencyID).Order("t.name").Scan(&out).Error
	return out, err
}
