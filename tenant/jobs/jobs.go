// Package jobs runs background work on asynq. Every task carries the tenant it
// works for; enqueueing without a tenant fails, and the handler restores the
// tenant (and a request id for the logs) before the work runs.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/tenant"
)

// Task types.
const (
	TypeMail = "mail:send"
	// TypePlatformMail is mail of the platform itself (password resets),
	// which belongs to no store.
	TypePlatformMail = "mail:platform"
)

// envelope wraps every payload with its tenant, or says it has none on
// purpose (Platform): a task without either is refused.
type envelope struct {
	TenantID  string          `json:"tenant_id,omitempty"`
	Platform  bool            `json:"platform,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// Queue enqueues tasks.
type Queue struct {
	Client *asynq.Client
	Name   string // asynq queue name
	rdb    redis.UniversalClient
	mark   string // a key in the slot of the queue's keys
}

// NewQueue opens a client on the Redis of conn; prefix namespaces the marker
// key Enqueue writes on a replicated Redis.
func NewQueue(conn *kv.Conn, name, prefix string) *Queue {
	return &Queue{Client: asynq.NewClient(conn.Options), Name: name, rdb: conn.Client,
		mark: prefix + "enqueued:{" + name + "}"}
}

// Enqueue schedules typ with payload for the tenant in ctx.
func (q *Queue) Enqueue(ctx context.Context, typ string, payload any, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, tenant.ErrNoTenant
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(envelope{TenantID: tid, RequestID: tenant.ActorFrom(ctx).RequestID, Payload: p})
	if err != nil {
		return nil, err
	}
	opts = append([]asynq.Option{asynq.Queue(q.Name), asynq.MaxRetry(10), asynq.Timeout(2 * time.Minute)}, opts...)
	info, err := q.Client.EnqueueContext(ctx, asynq.NewTask(typ, b), opts...)
	if err != nil {
		return nil, err
	}
	// With replicas (cluster, Sentinel), a task counts as enqueued once a
	// replica has it: a master that fails right after acknowledging it must
	// not take it along. Without replicas this does nothing.
	if err := kv.Replicated(ctx, q.rdb, q.mark); err != nil {
		return nil, fmt.Errorf("enqueued task %s not confirmed by a replica: %w", info.ID, err)
	}
	return info, nil
}

// EnqueuePlatform schedules typ for the platform itself, outside any store;
// only handlers registered with HandlePlatform accept such a task.
func (q *Queue) EnqueuePlatform(ctx context.Context, typ string, payload any, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(envelope{Platform: true, RequestID: tenant.ActorFrom(ctx).RequestID, Payload: p})
	if err != nil {
		return nil, err
	}
	opts = append([]asynq.Option{asynq.Queue(q.Name), asynq.MaxRetry(10), asynq.Timeout(2 * time.Minute)}, opts...)
	return q.Client.EnqueueContext(ctx, asynq.NewTask(typ, b), opts...)
}

// Close closes the client.
func (q *Queue) Close() error { return q.Client.Close() }

// Handler does one task's work in the tenant's context.
type Handler func(ctx context.Context, payload json.RawMessage) error

// Mux routes task types to handlers and restores each task's tenant.
type Mux struct {
	m   *asynq.ServeMux
	log *slog.Logger
}

// NewMux returns an empty mux.
func NewMux(log *slog.Logger) *Mux { return &Mux{m: asynq.NewServeMux(), log: log} }

// Handle registers h for typ.
func (m *Mux) Handle(typ string, h Handler) {
	m.m.HandleFunc(typ, func(ctx context.Context, t *asynq.Task) error {
		var env envelope
		if err := json.Unmarshal(t.Payload(), &env); err != nil {
			return fmt.Errorf("%w: bad envelope: %v", asynq.SkipRetry, err)
		}
		if env.TenantID == "" {
			return fmt.Errorf("%w: task %s has no tenant", asynq.SkipRetry, typ)
		}
		return m.run(tenant.WithTenant(ctx, env.TenantID), typ, env, h)
	})
}

// HandlePlatform registers h for typ, a task of the platform itself
// (EnqueuePlatform): it runs with no tenant, so tenant data stays out of reach.
func (m *Mux) HandlePlatform(typ string, h Handler) {
	m.m.HandleFunc(typ, func(ctx context.Context, t *asynq.Task) error {
		var env envelope
		if err := json.Unmarshal(t.Payload(), &env); err != nil {
			return fmt.Errorf("%w: bad envelope: %v", asynq.SkipRetry, err)
		}
		if !env.Platform || env.TenantID != "" {
			return fmt.Errorf("%w: task %s is not a platform task", asynq.SkipRetry, typ)
		}
		return m.run(ctx, typ, env, h)
	})
}

func (m *Mux) run(ctx context.Context, typ string, env envelope, h Handler) error {
	rid := env.RequestID
	if rid == "" {
		rid = "job-" + ids.Token(6)
	}
	ctx = tenant.WithActor(ctx, tenant.Actor{RequestID: rid})
	err := h(ctx, env.Payload)
	if err != nil {
		m.log.WarnContext(ctx, "job failed", "type", typ, "err", err)
	}
	return err
}

// Run processes one task now, as a worker would (for tests and tools).
func (m *Mux) Run(ctx context.Context, typ string, tenantID string, payload any) error {
	p, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(envelope{TenantID: tenantID, Payload: p})
	return m.m.ProcessTask(ctx, asynq.NewTask(typ, b))
}

// Worker processes tasks until Shutdown.
type Worker struct{ srv *asynq.Server }

// NewWorker builds a worker on queue name. Poll intervals are short so a
// development machine sees jobs run promptly.
func NewWorker(opts kv.Options, name string, concurrency int, log *slog.Logger) *Worker {
	srv := asynq.NewServer(opts, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   map[string]int{name: 1},
		TaskCheckInterval:        200 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
		Logger:                   asynqLogger{log},
		LogLevel:                 asynq.WarnLevel,
		RetryDelayFunc:           RetryDelay,
	})
	return &Worker{srv: srv}
}

// RetryDelay waits 1 s, 2 s, 4 s ... up to 10 minutes before retry n, with up
// to a quarter more at random so failed tasks do not retry in lockstep. The
// jobs here are mostly calls to WeChat that fail for seconds, not hours.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := time.Second << min(n, 10)
	if d > 10*time.Minute {
		d = 10 * time.Minute
	}
	return d + time.Duration(rand.Int64N(int64(d/4)+1))
}

// Start begins processing with mux.
func (w *Worker) Start(m *Mux) error { return w.srv.Start(m.m) }

// Shutdown waits for running tasks, then stops.
func (w *Worker) Shutdown() { w.srv.Shutdown() }

type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }

// MailSender sends mail through the queue, so a slow or failing mail server
// never fails the request that sent it; the job retries with back-off
// (RetryDelay: about 17 minutes over the ten attempts).
type MailSender struct {
	Q *Queue
	// Platform sends the platform's own mail (no store in the context).
	Platform bool
}

// Send enqueues m for the tenant in ctx (or for the platform).
func (s MailSender) Send(ctx context.Context, m mail.Message) error {
	var err error
	if s.Platform {
		_, err = s.Q.EnqueuePlatform(ctx, TypePlatformMail, m)
	} else {
		_, err = s.Q.Enqueue(ctx, TypeMail, m)
	}
	return err
}

// HandleMail delivers queued mail through out; a message no retry can
// deliver (mail.ErrPermanent) is not retried.
func HandleMail(out mail.Sender) Handler {
	return func(ctx context.Context, payload json.RawMessage) error {
		var m mail.Message
		if err := json.Unmarshal(payload, &m); err != nil {
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		err := out.Send(ctx, m)
		if errors.Is(err, mail.ErrPermanent) {
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		return err
	}
}
