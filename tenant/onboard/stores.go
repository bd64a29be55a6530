package onboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/files"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Tenant is a brand's store. A platform directory row: its id is the tenant id.
type Tenant struct {
	ID             string    `gorm:"primaryKey" json:"id"`
	Slug           string    `json:"slug"`
	Name           string    `json:"name"`
	EntityType     string    `json:"entity_type"`
	Status         string    `json:"status"`
	StatusReason   string    `json:"status_reason,omitempty"`
	PendingReviews int       `json:"pending_reviews"`
	OwnerAccountID string    `json:"owner_account_id"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Store statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Category statuses of a store.
const (
	CatActive           = "active"
	CatPendingDocuments = "pending_documents"
	CatPendingReview    = "pending_review"
	CatRejected         = "rejected"
)

// StoreCategory is a business category a store declared, with its review state.
type StoreCategory struct {
	tenant.Base
	Category   string     `gorm:"primaryKey" json:"category"`
	Status     string     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	ReviewedBy *string    `json:"reviewed_by,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// Filled for responses: what must be uploaded and what is.
	Required []string `gorm:"-" json:"required_documents"`
	Missing  []string `gorm:"-" json:"missing_documents"`
}

// Document is an onboarding document uploaded for a category.
type Document struct {
	tenant.Base
	ID        string    `gorm:"primaryKey" json:"id"`
	Category  string    `json:"category"`
	DocType   string    `json:"doc_type"`
	FileID    string    `json:"file_id"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Invitation asks someone to join a store's staff.
type Invitation struct {
	tenant.Base
	ID         string     `gorm:"primaryKey" json:"id"`
	Email      string     `json:"email"`
	Role       string     `json:"role"`
	TokenHash  string     `json:"-"`
	InvitedBy  string     `json:"invited_by"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ReviewItem is a platform-level queue row: a category of a store awaiting review.
type ReviewItem struct {
	TenantID    string    `gorm:"primaryKey" json:"tenant_id"`
	Category    string    `gorm:"primaryKey" json:"category"`
	SubmittedAt time.Time `json:"submitted_at"`
	StoreName   string    `gorm:"->;-:migration" json:"store_name"` // read from tenants for the queue
}

func (StoreCategory) TableName() string { return "tenant_categories" }
func (Document) TableName() string      { return "tenant_documents" }
func (ReviewItem) TableName() string    { return "review_queue" }

// Stores provisions and manages stores.
type Stores struct {
	T        *tenant.Store
	Access   *access.Store
	Enforcer *access.Enforcers
	Audit    *audit.Log
	Files    *files.Store
	Mail     mail.Sender
	BaseURL  string // console URL, for links in mail
	// Billing starts a new store's trial (refusing an owner at their plan's
	// store limit) inside provisioning, and reserves a staff seat inside an
	// invitation's transaction (tenant/billing implements it). May be nil.
	Billing Billing
}

// Billing is what onboarding needs of the platform's plans. Both run inside
// the caller's transaction and return a plan_limit error when the plan is full.
type Billing interface {
	StartTrial(ctx context.Context, storeID, ownerID string) error
	Reserve(ctx context.Context, limit string) error
}

// LimitStaff names the staff-seat limit for Billing.Reserve.
const LimitStaff = "staff_seats"

// CreateStoreInput is a brand's new store.
type CreateStoreInput struct {
	Name       string   `json:"name" binding:"required" text:"name"`
	Slug       string   `json:"slug" binding:"required"`
	EntityType string   `json:"entity_type" binding:"required"`
	Categories []string `json:"categories" binding:"required"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$`)

var reservedSlugs = []string{"admin", "api", "app", "console", "platform", "shoplet", "static", "www", "help", "docs", "status"}

func validateCategories(field, entity string, cats []string, f *errs.Fields) []string {
	if len(cats) == 0 {
		f.Add(field, "required", "choose at least one business category")
		return nil
	}
	if len(cats) > len(Categories) {
		f.Add(field, "too_many", fmt.Sprintf("at most %d categories", len(Categories)))
		return nil
	}
	for i, c := range cats {
		name := fmt.Sprintf("%s[%d]", field, i)
		if !ValidCategory(c) {
			f.Add(name, "unknown_category", fmt.Sprintf("%q is not a category; see GET /api/v1/business-categories", c))
			continue
		}
		if v := Rule(entity, c); !v.Allowed {
			f.Add(name, "category_not_allowed", v.Reason)
		}
	}
	return sortedUnique(cats)
}

// Provision creates a store owned by the actor in ctx: the tenant row, its
// categories (active, or pending documents), the owner's role, and the first
// audit entry, in one transaction. A rejected request writes nothing.
func (s *Stores) Provision(ctx context.Context, in CreateStoreInput) (Tenant, error) {
	owner := tenant.ActorFrom(ctx).AccountID
	var f errs.Fields
	name := strings.TrimSpace(in.Name)
	if f.Required("name", name) {
		f.MaxLen("name", name, 60)
	}
	slug := strings.ToLower(strings.TrimSpace(in.Slug))
	if f.Required("slug", slug) {
		if !slugRE.MatchString(slug) || strings.Contains(slug, "--") {
			f.Add("slug", "invalid_slug", "use 3–40 lowercase letters, digits and single hyphens, starting and ending with a letter or digit")
		} else if slices.Contains(reservedSlugs, slug) {
			f.Add("slug", "reserved", "is reserved; choose another")
		}
	}
	if in.EntityType != Mainland && in.EntityType != Overseas {
		f.Add("entity_type", "invalid_choice", "must be mainland or overseas")
	}
	var cats []string
	if in.EntityType == Mainland || in.EntityType == Overseas {
		cats = validateCategories("categories", in.EntityType, in.Categories, &f)
	}
	if err := f.Err(); err != nil {
		return Tenant{}, err
	}
	now := time.Now().UTC()
	t := Tenant{ID: ids.New(), Slug: slug, Name: name, EntityType: in.EntityType, Status: StatusActive,
		OwnerAccountID: owner, CreatedAt: now, UpdatedAt: now}
	err := s.T.PlatformTx(ctx, func(ctx context.Context) error {
		if err := s.T.P(ctx).Create(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &errs.Error{Kind: errs.Conflict, Code: "slug_taken", Message: "this store address is taken",
					Fields: []errs.FieldError{{Field: "slug", Code: "taken", Message: "is already used by another store"}}}
			}
			return err
		}
		if s.Billing != nil {
			if err := s.Billing.StartTrial(ctx, t.ID, owner); err != nil {
				return err
			}
		}
		return s.T.Tx(tenant.WithTenant(ctx, t.ID), func(ctx context.Context) error {
			if err := s.Access.SetMember(ctx, owner, access.Owner); err != nil {
				return err
			}
			for _, c := range cats {
				if err := s.addCategory(ctx, in.EntityType, c, now); err != nil {
					return err
				}
			}
			return s.Audit.Record(ctx, "store.created", "store", t.ID, map[string]any{"slug": slug, "entity_type": in.EntityType, "categories": cats})
		})
	})
	if err != nil {
		return Tenant{}, err
	}
	return t, s.Enforcer.Changed(ctx, t.ID)
}

func (s *Stores) addCategory(ctx context.Context, entity, c string, now time.Time) error {
	status := CatActive
	if len(Rule(entity, c).Documents) > 0 {
		status = CatPendingDocuments
	}
	return s.T.Q(ctx).Create(&StoreCategory{Category: c, Status: status, CreatedAt: now, UpdatedAt: now}).Error
}

// Get returns the store in ctx.
func (s *Stores) Get(ctx context.Context) (Tenant, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return Tenant{}, tenant.ErrNoTenant
	}
	return s.ByID(ctx, tid)
}

// ByID returns a store by id; not_found when there is none.
func (s *Stores) ByID(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	if !ids.Valid(id) {
		return t, errs.NotFoundf("store")
	}
	err := s.T.P(ctx).Where("id = ?", id).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, errs.NotFoundf("store")
	}
	return t, err
}

// UpdateInput changes a store's profile.
type UpdateInput struct {
	Name *string `json:"name" binding:"required" text:"name"`
}

// Update changes the store's name.
func (s *Stores) Update(ctx context.Context, in UpdateInput) (Tenant, error) {
	var f errs.Fields
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if f.Required("name", n) {
			f.MaxLen("name", n, 60)
		}
		in.Name = &n
	}
	if err := f.Err(); err != nil {
		return Tenant{}, err
	}
	tid, _ := tenant.FromContext(ctx)
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if in.Name != nil {
			if err := s.T.P(ctx).Model(&Tenant{}).Where("id = ?", tid).Updates(map[string]any{"name": *in.Name, "updated_at": time.Now().UTC()}).Error; err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, "store.updated", "store", tid, map[string]any{"name": in.Name})
	})
	if err != nil {
		return Tenant{}, err
	}
	return s.Get(ctx)
}

// Categories returns the store's categories with what documents each still misses.
func (s *Stores) Categories(ctx context.Context) ([]StoreCategory, error) {
	t, err := s.Get(ctx)
	if err != nil {
		return nil, err
	}
	return s.CategoriesOf(ctx, t)
}

// CategoriesOf is Categories for a store already loaded (t must be the store in ctx).
func (s *Stores) CategoriesOf(ctx context.Context, t Tenant) ([]StoreCategory, error) {
	var cats []StoreCategory
	var docs []Document
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Order("category").Find(&cats).Error; err != nil {
			return err
		}
		return s.T.Q(ctx).Find(&docs).Error
	})
	if err != nil {
		return nil, err
	}
	for i := range cats {
		cats[i].Required = Rule(t.EntityType, cats[i].Category).Documents
		cats[i].Missing = missing(cats[i].Required, docs, cats[i].Category)
	}
	return cats, nil
}

func missing(required []string, docs []Document, category string) []string {
	out := []string{}
	for _, r := range required {
		found := false
		for _, d := range docs {
			if d.Category == category && d.DocType == r {
				found = true
				break
			}
		}
		if !found {
			out = append(out, r)
		}
	}
	return out
}

// AddCategories declares more business categories, by the same rules as at creation.
func (s *Stores) AddCategories(ctx context.Context, cats []string) ([]StoreCategory, error) {
	t, err := s.Get(ctx)
	if err != nil {
		return nil, err
	}
	var f errs.Fields
	cats = validateCategories("categories", t.EntityType, cats, &f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		var have []string
		if err := s.T.Q(ctx).Model(&StoreCategory{}).Pluck("category", &have).Error; err != nil {
			return err
		}
		var added []string
		for _, c := range cats {
			if slices.Contains(have, c) {
				continue
			}
			if err := s.addCategory(ctx, t.EntityType, c, now); err != nil {
				return err
			}
			added = append(added, c)
		}
		return s.Audit.Record(ctx, "store.categories_added", "store", t.ID, map[string]any{"categories": added})
	})
	if err != nil {
		return nil, err
	}
	return s.Categories(ctx)
}

// ActiveCategory reports whether the store may sell in category now.
func (s *Stores) ActiveCategory(ctx context.Context, category string) (bool, error) {
	var c StoreCategory
	err := s.T.Q(ctx).Where("category = ?", category).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return c.Status == CatActive, err
}

// DeclaredCategory reports whether the store declared category.
func (s *Stores) DeclaredCategory(ctx context.Context, category string) (bool, error) {
	var n int64
	err := s.T.Q(ctx).Model(&StoreCategory{}).Where("category = ?", category).Count(&n).Error
	return n > 0, err
}

// UploadDocument stores a document for a category. When the last required
// document arrives, the category goes to the platform's review queue.
func (s *Stores) UploadDocument(ctx context.Context, category, docType, filename string, r io.Reader) (Document, error) {
	t, err := s.Get(ctx)
	if err != nil {
		return Document{}, err
	}
	var f errs.Fields
	required := Rule(t.EntityType, category).Documents
	if !ValidCategory(category) {
		f.Add("category", "unknown_category", "is not a category")
	} else if len(required) == 0 {
		f.Add("category", "no_documents_needed", "this category needs no documents for this store")
	}
	if len(required) > 0 && !slices.Contains(required, docType) {
		f.Add("doc_type", "invalid_choice", fmt.Sprintf("must be one of %v", required))
	}
	if err := f.Err(); err != nil {
		return Document{}, err
	}
	var doc Document
	now := time.Now().UTC()
	err = s.T.PlatformTx(ctx, func(pctx context.Context) error {
		return s.T.Tx(tenant.WithTenant(pctx, t.ID), func(ctx context.Context) error {
			var sc StoreCategory
			if err := s.T.Q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("category = ?", category).Take(&sc).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return errs.Field("category", "not_declared", "declare this category for the store first")
				}
				return err
			}
			if sc.Status == CatActive {
				return errs.E(errs.Conflict, "category_active", "this category is already approved")
			}
			file, err := s.Files.Save(ctx, files.Document, filename, r)
			if err != nil {
				return err
			}
			doc = Document{ID: ids.New(), Category: category, DocType: docType, FileID: file.ID, CreatedBy: tenant.ActorFrom(ctx).AccountID, CreatedAt: now}
			if err := s.T.Q(ctx).Create(&doc).Error; err != nil {
				return err
			}
			var docs []Document
			if err := s.T.Q(ctx).Where("category = ?", category).Find(&docs).Error; err != nil {
				return err
			}
			if err := s.Audit.Record(ctx, "document.uploaded", "document", doc.ID, map[string]any{"category": category, "doc_type": docType}); err != nil {
				return err
			}
			if len(missing(required, docs, category)) > 0 || sc.Status == CatPendingReview {
				return nil
			}
			if err := s.T.Q(ctx).Model(&StoreCategory{}).Where("category = ?", category).
				Updates(map[string]any{"status": CatPendingReview, "reason": "", "updated_at": now}).Error; err != nil {
				return err
			}
			if err := s.T.P(ctx).Create(&ReviewItem{TenantID: t.ID, Category: category, SubmittedAt: now}).Error; err != nil {
				return err
			}
			return s.T.P(ctx).Model(&Tenant{}).Where("id = ?", t.ID).Update("pending_reviews", gorm.Expr("pending_reviews + 1")).Error
		})
	})
	return doc, err
}

// Documents lists the store's documents.
func (s *Stores) Documents(ctx context.Context) ([]Document, error) {
	var docs []Document
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Order("id").Find(&docs).Error
	})
	return docs, err
}

// Invite creates an invitation and mails its link. Nobody invites above their
// own role (actorRole); the owner role is never handed out this way.
func (s *Stores) Invite(ctx context.Context, actorRole, email, role string) (Invitation, error) {
	if access.Rank(role) > access.Rank(actorRole) {
		return Invitation{}, errs.E(errs.Forbidden, "role_too_high", "you cannot invite someone with a role above your own")
	}
	var f errs.Fields
	email = NormalizeEmail("email", email, &f)
	if !access.ValidRole(role) {
		f.Add("role", "invalid_choice", fmt.Sprintf("must be one of %v", access.Roles[1:]))
	} else if role == access.Owner {
		f.Add("role", "invalid_choice", "a store has one owner; invite as admin")
	}
	if err := f.Err(); err != nil {
		return Invitation{}, err
	}
	t, err := s.Get(ctx)
	if err != nil {
		return Invitation{}, err
	}
	token := t.ID + "." + ids.Token(24)
	now := time.Now().UTC()
	inv := Invitation{ID: ids.New(), Email: email, Role: role, TokenHash: hashToken(token), InvitedBy: tenant.ActorFrom(ctx).AccountID,
		ExpiresAt: now.Add(7 * 24 * time.Hour), CreatedAt: now}
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		if s.Billing != nil {
			if err := s.Billing.Reserve(ctx, LimitStaff); err != nil {
				return err
			}
		}
		if err := s.T.Q(ctx).Create(&inv).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "staff.invited", "invitation", inv.ID, map[string]any{"email": email, "role": role})
	})
	if err != nil {
		return Invitation{}, err
	}
	link := s.BaseURL + "/invitations/accept?token=" + token
	err = s.Mail.Send(ctx, mail.Message{To: email, Subject: fmt.Sprintf("Join %s on Shoplet", t.Name),
		Body: fmt.Sprintf("You are invited to %s as %s.\nAccept within 7 days: %s\nInvitation token: %s\n", t.Name, role, link, token)})
	return inv, err
}

// Invitations lists open invitations.
func (s *Stores) Invitations(ctx context.Context) ([]Invitation, error) {
	var out []Invitation
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("accepted_at IS NULL AND revoked_at IS NULL").Order("id DESC").Find(&out).Error
	})
	return out, err
}

// RevokeInvitation cancels an open invitation.
func (s *Stores) RevokeInvitation(ctx context.Context, id string) error {
	if !ids.Valid(id) {
		return errs.NotFoundf("invitation")
	}
	return s.T.Tx(ctx, func(ctx context.Context) error {
		res := s.T.Q(ctx).Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", id).Update("revoked_at", time.Now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.NotFoundf("invitation")
		}
		return s.Audit.Record(ctx, "staff.invitation_revoked", "invitation", id, nil)
	})
}

var errBadInvite = errs.NotFoundf("invitation")

// AcceptInvitation makes the signed-in account (whose email must be the
// invited one) staff of the inviting store.
func (s *Stores) AcceptInvitation(ctx context.Context, acc Account, token string) (Tenant, error) {
	tid, _, ok := strings.Cut(token, ".")
	if !ok || !ids.Valid(tid) {
		return Tenant{}, errBadInvite
	}
	ctx = tenant.WithTenant(ctx, tid)
	ctx = tenant.WithActor(ctx, tenant.Actor{AccountID: acc.ID, IP: tenant.ActorFrom(ctx).IP, RequestID: tenant.ActorFrom(ctx).RequestID})
	now := time.Now().UTC()
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var inv Invitation
		err := s.T.Q(ctx).Where("token_hash = ?", hashToken(token)).Take(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errBadInvite
		}
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil || inv.RevokedAt != nil || now.After(inv.ExpiresAt) || inv.Email != acc.Email {
			return errBadInvite
		}
		if m, err := s.Access.Member(ctx, acc.ID); err == nil && m.Role == access.Owner {
			return errs.E(errs.Conflict, "already_owner", "you own this store")
		}
		if err := s.T.Q(ctx).Model(&Invitation{}).Where("id = ?", inv.ID).Update("accepted_at", now).Error; err != nil {
			return err
		}
		if err := s.Access.SetMember(ctx, acc.ID, inv.Role); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "staff.joined", "account", acc.ID, map[string]any{"role": inv.Role, "invitation": inv.ID})
	})
	if err != nil {
		return Tenant{}, err
	}
	if err := s.Enforcer.Changed(ctx, tid); err != nil {
		return Tenant{}, err
	}
	return s.ByID(ctx, tid)
}

// EntityType returns the entity type of the store in ctx.
func (s *Stores) EntityType(ctx context.Context) (string, error) {
	t, err := s.Get(ctx)
	return t.EntityType, err
}
