package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP delivers messages to a mail submission server (go-mail). One message
// per connection: mail here is a password reset or an invitation now and
// then, and the queue retries a failed delivery, so no pool is kept.
type SMTP struct {
	Host     string
	Port     int    // 0: 587 for starttls, 465 for tls, 25 for none
	Security string // "starttls" (default, required), "tls" (implicit, port 465) or "none" (a relay on a private network)
	Username string // empty: no authentication
	Password string
	From     string // "Shoplet <no-reply@shop.example.com>"
	Timeout  time.Duration
}

// Validate reports a configuration that could never send.
func (s SMTP) Validate() error {
	if s.Host == "" {
		return errors.New("the SMTP host is empty")
	}
	switch s.Security {
	case "", "starttls", "tls", "none":
	default:
		return fmt.Errorf("SMTP security %q: want starttls, tls or none", s.Security)
	}
	if s.From == "" {
		return errors.New("the sender address (From) is empty")
	}
	m := gomail.NewMsg()
	if err := m.From(s.From); err != nil {
		return fmt.Errorf("sender address %q: %w", s.From, err)
	}
	return nil
}

// Send delivers m. A refused recipient or a malformed address is permanent
// (ErrPermanent); anything else (connection, timeout, 4xx) may succeed later.
func (s SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("%w: sender %q: %v", ErrPermanent, s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("%w: recipient %q: %v", ErrPermanent, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	msg.SetDate()
	msg.SetMessageID()

	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout)}
	switch s.Security {
	case "tls":
		opts = append(opts, gomail.WithSSLPort(false))
	case "none":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	}
	if s.Port != 0 {
		opts = append(opts, gomail.WithPort(s.Port))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		// A 5xx on the recipient (no such mailbox) will not change;
		// a refused login or a full queue may, once the operator acts.
		if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && se.ErrorCode() >= 500 {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		return fmt.Errorf("smtp %s: %w", s.Host, err)
	}
	return nil
}

// ErrPermanent marks a message that no retry will deliver.
var ErrPermanent = errors.New("mail cannot be delivered")
