// Package audit records who did what in a tenant. Entries are written in the
// same transaction as the change they describe, so a change is never without
// its entry and an entry never without its change.
package audit

import (
	"context"
	"time"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
)

// Entry is one audit log row.
type Entry struct {
	tenant.Base
	ID             string                     `gorm:"primaryKey" json:"id"`
	ActorAccountID *string                    `json:"actor_account_id"`
	ActorAgencyID  *string                    `json:"actor_agency_id"`
	Action         string                     `json:"action"`
	TargetType     string                     `json:"target_type"`
	TargetID       string                     `json:"target_id"`
	Detail         jsonb.JSON[map[string]any] `json:"detail"`
	IP             string                     `json:"ip"`
	RequestID      string                     `json:"request_id"`
	CreatedAt      time.Time                  `json:"created_at"`
}

// TableName is the audit table.
func (Entry) TableName() string { return "audit_logs" }

// Log writes audit entries.
type Log struct{ T *tenant.Store }

// Record appends an entry in the transaction of ctx, attributed to the actor
// in ctx. detail must not contain secrets (callers pass names, never values).
func (l *Log) Record(ctx context.Context, action, targetType, targetID string, detail map[string]any) error {
	a := tenant.ActorFrom(ctx)
	if detail == nil {
		detail = map[string]any{}
	}
	if a.Operator {
		detail["by_platform_operator"] = true
	}
	e := Entry{ID: ids.New(), Action: action, TargetType: targetType, TargetID: targetID,
		Detail: jsonb.Of(detail), IP: a.IP, RequestID: a.RequestID, CreatedAt: time.Now().UTC()}
	if a.AccountID != "" {
		e.ActorAccountID = &a.AccountID
	}
	if a.AgencyID != "" {
		e.ActorAgencyID = &a.AgencyID
	}
	return l.T.Q(ctx).Create(&e).Error
}

// Filter narrows a listing.
type Filter struct {
	Action  string
	ActorID string
	Before  string // cursor: entries with id < Before
	Limit   int
}

// List returns entries newest first, and the cursor for the next page ("" at the end).
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, string, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	q := l.T.Q(ctx).Order("id DESC").Limit(f.Limit + 1)
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorID != "" {
		if !ids.Valid(f.ActorID) {
			return nil, "", errs.Field("actor", "invalid", "must be an account id")
		}
		q = q.Where("actor_account_id = ?", f.ActorID)
	}
	if f.Before != "" {
		if !ids.Valid(f.Before) {
			return nil, "", errs.Field("cursor", "invalid", "is not a cursor from this list")
		}
		q = q.Where("id < ?", f.Before)
	}
	var out []Entry
	if err := q.Find(&out).Error; err != nil {
		return nil, "", err
	}
	out, next := db.Page(out, f.Limit, func(e Entry) string { return e.ID })
	return out, next, nil
}
