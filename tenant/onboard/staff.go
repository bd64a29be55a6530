package onboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"gorm.io/gorm"
)

// StaffMember is a member with the account's name and email.
type StaffMember struct {
	AccountID string    `json:"account_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Staff lists the store's staff.
func (s *Stores) Staff(ctx context.Context) ([]StaffMember, error) {
	tid, _ := tenant.FromContext(ctx)
	var out []StaffMember
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Table("memberships m").Select("m.account_id, a.email, a.name, m.role, m.created_at").
			Joins("JOIN accounts a ON a.id = m.account_id").Where("m.tenant_id = ?", tid).Order("m.created_at").Scan(&out).Error
	})
	return out, err
}

// ChangeRole gives a staff member another role. Nobody changes the owner this
// way, and an admin cannot raise anyone above admin.
func (s *Stores) ChangeRole(ctx context.Context, actorRole, accountID, role string) error {
	if !access.ValidRole(role) || role == access.Owner {
		return errs.Field("role", "invalid_choice", fmt.Sprintf("must be one of %v", access.Roles[1:]))
	}
	if access.Rank(role) > access.Rank(actorRole) {
		return errs.E(errs.Forbidden, "role_too_high", "you cannot give a role above your own")
	}
	if !ids.Valid(accountID) {
		return errs.NotFoundf("member")
	}
	tid, _ := tenant.FromContext(ctx)
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		m, err := s.Access.Member(ctx, accountID)
		if err != nil {
			return err
		}
		if m.Role == access.Owner {
			return errs.E(errs.Conflict, "owner_role_fixed", "the owner's role cannot be changed")
		}
		if err := s.Access.SetMember(ctx, accountID, role); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "staff.role_changed", "account", accountID, map[string]any{"from": m.Role, "to": role})
	})
	if err != nil {
		return err
	}
	return s.Enforcer.Changed(ctx, tid)
}

// RemoveStaff takes a member off the store. The owner cannot be removed.
func (s *Stores) RemoveStaff(ctx context.Context, accountID string) error {
	if !ids.Valid(accountID) {
		return errs.NotFoundf("member")
	}
	tid, _ := tenant.FromContext(ctx)
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		m, err := s.Access.Member(ctx, accountID)
		if err != nil {
			return err
		}
		if m.Role == access.Owner {
			return errs.E(errs.Conflict, "owner_cannot_leave", "the owner cannot be removed")
		}
		if err := s.Access.RemoveMember(ctx, accountID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "staff.removed", "account", accountID, map[string]any{"role": m.Role})
	})
	if err != nil {
		return err
	}
	return s.Enforcer.Changed(ctx, tid)
}

// GrantAgency gives an agency a role on the store (anything but owner).
func (s *Stores) GrantAgency(ctx context.Context, agencyID, role string) (access.Grant, error) {
	var f errs.Fields
	if !ids.Valid(agencyID) {
		f.Add("agency_id", "invalid", "must be an agency id")
	}
	if !access.ValidRole(role) || role == access.Owner {
		f.Add("role", "invalid_choice", fmt.Sprintf("must be one of %v", access.Roles[1:]))
	}
	if err := f.Err(); err != nil {
		return access.Grant{}, err
	}
	var ag Agency
	if err := s.T.P(ctx).Where("id = ?", agencyID).Take(&ag).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return access.Grant{}, errs.Field("agency_id", "not_found", "no agency has this id")
		}
		return access.Grant{}, err
	}
	tid, _ := tenant.FromContext(ctx)
	var g access.Grant
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var err error
		if g, err = s.Access.SetGrant(ctx, agencyID, role); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "agency.granted", "agency", agencyID, map[string]any{"role": role, "agency_name": ag.Name})
	})
	if err != nil {
		return g, err
	}
	return g, s.Enforcer.Changed(ctx, tid)
}

// AgencyByEmail finds the agency a person (by their account's email) works
// for, so a brand grants access without pasting an id. A person in several
// agencies names the one they administer; otherwise the email is ambiguous.
// Returns not_found (agency_not_found) if the email belongs to no agency's
// member.
func (s *Stores) AgencyByEmail(ctx context.Context, email string) (string, error) {
	var f errs.Fields
	email = NormalizeEmail("email", email, &f)
	if err := f.Err(); err != nil {
		return "", err
	}
	var rows []AgencyMember
	err := s.T.P(ctx).Table("agency_members m").Select("m.agency_id, m.role").
		Joins("JOIN accounts a ON a.id = m.account_id").Where("a.email = ?", email).Order("m.agency_id").Scan(&rows).Error
	if err != nil {
		return "", err
	}
	var admin []string
	for _, r := range rows {
		if r.Role == "admin" {
			admin = append(admin, r.AgencyID)
		}
	}
	switch {
	case len(rows) == 0:
		return "", errs.E(errs.NotFound, "agency_not_found", "no agency has a person with this email")
	case len(rows) == 1:
		return rows[0].AgencyID, nil
	case len(admin) == 1:
		return admin[0], nil
	}
	return "", errs.Field("email", "ambiguous", "this person works for several agencies: grant by agency_id")
}

// RevokeAgency ends an agency's access. It takes effect at the agency's next
// request on every instance (the policy version is bumped after commit).
func (s *Stores) RevokeAgency(ctx context.Context, agencyID string) error {
	if !ids.Valid(agencyID) {
		return errs.NotFoundf("agency grant")
	}
	tid, _ := tenant.FromContext(ctx)
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.Access.RevokeGrant(ctx, agencyID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "agency.revoked", "agency", agencyID, nil)
	})
	if err != nil {
		return err
	}
	return s.Enforcer.Changed(ctx, tid)
}

// AgencyGrant is a grant with the agency's name, for the brand's view.
type AgencyGrant struct {
	AgencyID string `json:"agency_id"`
	Name     string `json:"agency_name"`
	// ContactEmail is the email of the person who created the agency: it tells
	// apart agencies with the same name.
	ContactEmail string    `json:"contact_email"`
	Role         string    `json:"role"`
	GrantedBy    string    `json:"granted_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// AgencyGrants lists the agencies with access to the store.
func (s *Stores) AgencyGrants(ctx context.Context) ([]AgencyGrant, error) {
	tid, _ := tenant.FromContext(ctx)
	var out []AgencyGrant
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Table("agency_grants g").Select("g.agency_id, a.name, c.email AS contact_email, g.role, g.granted_by, g.created_at").
			Joins("JOIN agencies a ON a.id = g.agency_id").Joins("LEFT JOIN accounts c ON c.id = a.created_by").Where("g.tenant_id = ?", tid).Order("g.created_at").Scan(&out).Error
	})
	return out, err
}
