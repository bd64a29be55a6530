package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/tenant/billing"
)

// TypeBillingSweep moves lapsed stores to grace and then closed (platform task).
const TypeBillingSweep = "billing:sweep"

// sweepEvery is how often the worker queues the expiry sweep. The task id is
// the hour, so several workers queue one sweep an hour between them.
const sweepEvery = time.Hour

// wireBilling connects plans and subscriptions to provisioning, the catalog,
// the platform's merchant account and the expiry job.
func (a *App) wireBilling() {
	a.Billing = &billing.Service{T: a.T, Audit: a.Audit, Pay: a.Cfg.BillingPay}
	if p := a.Billing.Pay; p != nil {
		if p.HTTP == nil {
			p.HTTP = a.Payments.HTTP
		}
		if p.NotifyBase == "" {
			p.NotifyBase = strings.TrimRight(orString(a.Cfg.PublicURL, a.Cfg.BaseURL), "/")
		}
	}
	a.Stores.Billing = a.Billing
	a.Catalog.Quota = a.Billing
	a.Mux.HandlePlatform(TypeBillingSweep, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Billing.Sweep(ctx, time.Now())
		if err == nil && (n.Grace > 0 || n.Closed > 0) {
			a.Log.InfoContext(ctx, "billing sweep", "grace", n.Grace, "closed", n.Closed)
		}
		return err
	})
}

// queueSweeps queues the expiry sweep now and every sweepEvery until ctx ends.
func (a *App) queueSweeps(ctx context.Context) {
	queue := func() {
		id := "billing-sweep-" + time.Now().UTC().Truncate(sweepEvery).Format("2006010215")
		if _, err := a.Queue.EnqueuePlatform(ctx, TypeBillingSweep, struct{}{}, asynq.TaskID(id), asynq.Retention(sweepEvery)); err != nil &&
			!errors.Is(err, asynq.ErrTaskIDConflict) && ctx.Err() == nil {
			a.Log.WarnContext(ctx, "queue billing sweep", "err", err)
		}
	}
	queue()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			queue()
		}
	}
}
