package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/onboard"
	"github.com/shoplet/shoplet/tenant/publish"
)

// TypePublishStep runs one step of a mini-program publication.
const TypePublishStep = "miniapp:publish"

type publishTask struct {
	PublishID string `json:"publish_id"`
	Step      string `json:"step"`
}

type publishQueue struct{ a *App }

// EnqueueStep queues a step once: the task id names the publication and step,
// so a repeated enqueue (a repeated review event) does not run it twice. A
// release may be tried again after it failed, so its id carries the attempt.
func (q publishQueue) EnqueueStep(ctx context.Context, publishID, step string, opts ...asynq.Option) error {
	if step != publish.StepRelease {
		opts = append([]asynq.Option{asynq.TaskID("pub-" + publishID + "-" + step)}, opts...)
	}
	_, err := q.a.Queue.Enqueue(ctx, TypePublishStep, publishTask{PublishID: publishID, Step: step}, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// wirePublish connects publishing to the third-party platform and the queue.
func (a *App) wirePublish() {
	a.Publish = &publish.Service{T: a.T, WeChat: a.Component, Builds: a.Builds, Files: a.Files, Audit: a.Audit, Queue: publishQueue{a},
		APIBase: orString(a.Cfg.PublicURL, a.Cfg.BaseURL),
		Contact: func(ctx context.Context) (string, error) {
			t, err := a.Stores.Get(ctx)
			if err != nil {
				return "", err
			}
			acc, err := a.Auth.AccountByID(ctx, t.OwnerAccountID)
			return acc.Email, err
		},
		Mainland: func(ctx context.Context) (bool, error) {
			e, err := a.Stores.EntityType(ctx)
			return e == onboard.Mainland, err
		}}
	a.Rollouts = &publish.Rollouts{T: a.T, Pub: a.Publish, Log: a.Log}
	a.Publish.Rollout = a.Rollouts
	a.Component.OnMessage = a.Publish.OnMessage
	a.Mux.Handle(TypePublishStep, func(ctx context.Context, raw json.RawMessage) error {
		var t publishTask
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		return a.Publish.RunStep(ctx, t.PublishID, t.Step)
	})
}

// jobStats reads the queue through asynq's inspector (one, opened on first use).
func (a *App) jobStats(ctx context.Context) (api.QueueStats, error) {
	a.inspectorOnce.Do(func() {
		a.inspector = asynq.NewInspector(a.Redis.Options)
	})
	q, err := a.inspector.GetQueueInfo(a.Cfg.Queue)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		// A queue nothing was ever enqueued on does not exist yet: it is empty.
		return api.QueueStats{Queue: a.Cfg.Queue}, nil
	}
	if err != nil {
		return api.QueueStats{}, err
	}
	return api.QueueStats{Queue: q.Queue, Pending: q.Pending, Active: q.Active, Scheduled: q.Scheduled, Retry: q.Retry,
		Archived: q.Archived, Processed: q.Processed, Failed: q.Failed, Paused: q.Paused}, nil
}

// TypeCatalogImport imports a CSV into a store's catalog.
const TypeCatalogImport = "catalog:import"

func (a *App) enqueueImport(ctx context.Context, jobID string) error {
	_, err := a.Queue.Enqueue(ctx, TypeCatalogImport, map[string]string{"job_id": jobID}, asynq.TaskID("import-"+jobID))
	return err
}
