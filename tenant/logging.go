package tenant

import (
	"context"
	"log/slog"
)

// LogHandler adds the tenant and request id from the context to every record,
// so a log line written inside a tenant's work always names the tenant.
type LogHandler struct{ slog.Handler }

// Handle adds tenant_id and request_id when the context has them.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if tid, ok := FromContext(ctx); ok {
		r.AddAttrs(slog.String("tenant_id", tid))
	}
	if a := ActorFrom(ctx); a.RequestID != "" {
		r.AddAttrs(slog.String("request_id", a.RequestID))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }
