// Package mail sends transactional email (invitations, password resets)
// through an interface; the embedded default writes messages to the log.
package mail

import (
	"context"
	"log/slog"
	"sync"
)

// Message is one email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Log writes each message to the logger: the development default, where no
// mail server exists. Messages carry one-time links, so use it only in development.
type Log struct{ L *slog.Logger }

// Send logs m.
func (l Log) Send(ctx context.Context, m Message) error {
	l.L.InfoContext(ctx, "mail (development outbox)", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// Outbox keeps messages in memory, for tests and the development outbox page.
type Outbox struct {
	mu   sync.Mutex
	msgs []Message
}

// Send records m.
func (o *Outbox) Send(_ context.Context, m Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// To returns the messages sent to addr, oldest first.
func (o *Outbox) To(addr string) []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Message
	for _, m := range o.msgs {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}
