package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/tenant/billing"
	"github.com/shoplet/shoplet/tenant/jobs"
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
	// Reminders go out as platform mail; the task id makes a repeat (a sweep
	// killed before it recorded the reminder) a no-op while the first is kept.
	a.Billing.Remind = func(ctx context.Context, r billing.Reminder) error {
		m := mail.Message{To: r.OwnerEmail, Subject: fmt.Sprintf("%s: your %s plan ends in %d day(s)", r.StoreName, r.PlanName, r.DaysBefore),
			Body: fmt.Sprintf("The %s plan of %s ends on %s (UTC). Renew in the console to keep the store open: %s/stores/%s/billing\n"+
				"After it ends the store keeps selling for a grace period, then closes to shoppers until it is paid.\n",
				r.PlanName, r.StoreName, r.PeriodEnd.Format("2006-01-02 15:04"), strings.TrimRight(a.Cfg.BaseURL, "/"), r.StoreID)}
		id := fmt.Sprintf("billing-remind-%s-%d-%d", r.StoreID, r.PeriodEnd.Unix(), r.DaysBefore)
		_, err := a.Queue.EnqueuePlatform(ctx, jobs.TypePlatformMail, m, asynq.TaskID(id), asynq.Retention(7*24*time.Hour))
		if errors.Is(err, asynq.ErrTaskIDConflict) {
			return nil
		}
		return err
	}
	a.Stores.Billing = a.Billing
	a.Marketing.Offered = func(ctx context.Context) (bool, error) { return a.Billing.HasModule(ctx, billing.ModuleMarketing) }
	a.Catalog.Quota = a.Billing
	a.Mux.HandlePlatform(TypeBillingSweep, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Billing.Sweep(ctx, time.Now())
		if err == nil && (n.Reminded > 0 || n.Grace > 0 || n.Closed > 0) {
			a.Log.InfoContext(ctx, "billing sweep", "reminded", n.Reminded, "grace", n.Grace, "closed", n.Closed)
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
