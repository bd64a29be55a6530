package jobs

import (
	"time"

	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
)

// Record is a long piece of work a person started (a mini-program build, a
// catalog import): a row of the tenant's jobs table, whose progress and result
// the console shows. The queue task that does the work names it by id.
type Record struct {
	tenant.Base
	ID        string                     `gorm:"primaryKey" json:"id"`
	Kind      string                     `json:"kind"`
	Status    string                     `json:"status"` // queued, running, succeeded, failed
	Total     int                        `json:"total"`
	Done      int                        `json:"done"`
	Result    jsonb.JSON[map[string]any] `json:"result"`
	Error     string                     `json:"error"`
	CreatedBy string                     `json:"created_by"`
	CreatedAt time.Time                  `json:"created_at"`
	UpdatedAt time.Time                  `json:"updated_at"`
}

// TableName is the tenant's jobs table.
func (Record) TableName() string { return "jobs" }
