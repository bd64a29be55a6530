package access

import (
	"context"
	"errors"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
)

// Membership makes an account staff of a tenant. It is a platform directory
// row (an account lists its stores across tenants), so it is not tenant.Owned:
// every query here names the tenant explicitly.
type Membership struct {
	TenantID  string    `gorm:"primaryKey" json:"-"`
	AccountID string    `gorm:"primaryKey" json:"account_id"`
	Role      string    `json:"role"`
	CreatedBy *string   `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Grant gives an agency a role on a tenant. A platform directory row, like Membership.
type Grant struct {
	TenantID  string    `gorm:"primaryKey" json:"-"`
	AgencyID  string    `gorm:"primaryKey" json:"agency_id"`
	Role      string    `json:"role"`
	GrantedBy string    `json:"granted_by"`
	CreatedAt time.Time `json:"created_at"`
}

func (Membership) TableName() string { return "memberships" }
func (Grant) TableName() string      { return "agency_grants" }

// Store changes who holds which role. Each change writes the directory row and
// the Casbin rule in the caller's tenant transaction; callers invoke
// Enforcers.Changed after commit.
type Store struct {
	T *tenant.Store
}

func tid(ctx context.Context) (string, error) {
	id, ok := tenant.FromContext(ctx)
	if !ok {
		return "", tenant.ErrNoTenant
	}
	return id, nil
}

// SetMember gives accountID role in the tenant of ctx, replacing any role it had.
func (s *Store) SetMember(ctx context.Context, accountID, role string) error {
	t, err := tid(ctx)
	if err != nil {
		return err
	}
	q := s.T.Q(ctx)
	sub := UserSubject(accountID)
	if err := q.Where("v0 = ? AND ptype = 'g'", sub).Delete(&Rule{}).Error; err != nil {
		return err
	}
	if err := q.Create(&Rule{Ptype: "g", V0: sub, V1: role, V2: t}).Error; err != nil {
		return err
	}
	actor := tenant.ActorFrom(ctx).AccountID
	m := Membership{TenantID: t, AccountID: accountID, Role: role, CreatedAt: time.Now().UTC()}
	if actor != "" {
		m.CreatedBy = &actor
	}
	res := q.Model(&Membership{}).Where("tenant_id = ? AND account_id = ?", t, accountID).Update("role", role)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return q.Create(&m).Error
	}
	return nil
}

// Member returns the membership of accountID, or a not_found error.
func (s *Store) Member(ctx context.Context, accountID string) (Membership, error) {
	t, err := tid(ctx)
	if err != nil {
		return Membership{}, err
	}
	var m Membership
	err = s.T.Q(ctx).Where("tenant_id = ? AND account_id = ?", t, accountID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, errs.NotFoundf("member")
	}
	return m, err
}

// Members lists the tenant's staff.
func (s *Store) Members(ctx context.Context) ([]Membership, error) {
	t, err := tid(ctx)
	if err != nil {
		return nil, err
	}
	var ms []Membership
	err = s.T.Q(ctx).Where("tenant_id = ?", t).Order("created_at").Find(&ms).Error
	return ms, err
}

// RemoveMember removes accountID's role. Returns not_found if it had none.
func (s *Store) RemoveMember(ctx context.Context, accountID string) error {
	t, err := tid(ctx)
	if err != nil {
		return err
	}
	q := s.T.Q(ctx)
	res := q.Where("tenant_id = ? AND account_id = ?", t, accountID).Delete(&Membership{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.NotFoundf("member")
	}
	return q.Where("v0 = ? AND ptype = 'g'", UserSubject(accountID)).Delete(&Rule{}).Error
}

// SetGrant gives agencyID role in the tenant of ctx.
func (s *Store) SetGrant(ctx context.Context, agencyID, role string) (Grant, error) {
	t, err := tid(ctx)
	if err != nil {
		return Grant{}, err
	}
	q := s.T.Q(ctx)
	sub := AgencySubject(agencyID)
	if err := q.Where("v0 = ? AND ptype = 'g'", sub).Delete(&Rule{}).Error; err != nil {
		return Grant{}, err
	}
	if err := q.Create(&Rule{Ptype: "g", V0: sub, V1: role, V2: t}).Error; err != nil {
		return Grant{}, err
	}
	g := Grant{TenantID: t, AgencyID: agencyID, Role: role, GrantedBy: tenant.ActorFrom(ctx).AccountID, CreatedAt: time.Now().UTC()}
	if err := q.Where("tenant_id = ? AND agency_id = ?", t, agencyID).Delete(&Grant{}).Error; err != nil {
		return g, err
	}
	return g, q.Create(&g).Error
}

// RevokeGrant removes agencyID's role. Returns not_found if it had none.
func (s *Store) RevokeGrant(ctx context.Context, agencyID string) error {
	t, err := tid(ctx)
	if err != nil {
		return err
	}
	q := s.T.Q(ctx)
	res := q.Where("tenant_id = ? AND agency_id = ?", t, agencyID).Delete(&Grant{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.NotFoundf("agency grant")
	}
	return q.Where("v0 = ? AND ptype = 'g'", AgencySubject(agencyID)).Delete(&Rule{}).Error
}
