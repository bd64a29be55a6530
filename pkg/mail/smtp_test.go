package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/pkg/mail/mailtest"
)

func TestSMTPDelivers(t *testing.T) {
	sink := mailtest.Start(t)
	sink.Username, sink.Password = "shoplet", "relay-password"
	s := mail.SMTP{Host: "127.0.0.1", Port: sink.Port(), Security: "none", Username: "shoplet", Password: "relay-password",
		From: "Shoplet <no-reply@shop.example>", Timeout: 5 * time.Second}
	ctx := context.Background()
	msgs := []mail.Message{
		{To: "alice@brand-a.example", Subject: "Join Brand A on Shoplet", Body: "Invitation token: aaa111\n"},
		{To: "bob@brand-b.example", Subject: "Reset your Shoplet password", Body: "Set a new one: https://shop.example/reset/confirm?token=bbb222\n"},
	}
	for _, m := range msgs {
		if err := s.Send(ctx, m); err != nil {
			t.Fatalf("send to %s: %v", m.To, err)
		}
	}
	got := sink.Received()
	if len(got) != 2 {
		t.Fatalf("the sink received %d messages", len(got))
	}
	for i, m := range msgs {
		d := got[i]
		if d.From != "no-reply@shop.example" || len(d.To) != 1 || d.To[0] != m.To {
			t.Fatalf("envelope %d: from %q to %v", i, d.From, d.To)
		}
		if d.Header("Subject") != m.Subject || d.Header("To") != "<"+m.To+">" || d.Header("Message-ID") == "" || d.Header("Date") == "" {
			t.Fatalf("message %d headers:\n%s", i, d.Data)
		}
		if strings.TrimSpace(d.Body()) != strings.TrimSpace(m.Body) {
			t.Fatalf("message %d body %q, want %q", i, d.Body(), m.Body)
		}
	}

	wrong := s
	wrong.Password = "not-it"
	if err := wrong.Send(ctx, msgs[0]); err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("a refused login: %v (want a retryable error: the operator may fix the password)", err)
	}
	if len(sink.Received()) != 2 {
		t.Fatal("a message was accepted without authentication")
	}
}

func TestSMTPRefusals(t *testing.T) {
	sink := mailtest.Start(t)
	s := mail.SMTP{Host: "127.0.0.1", Port: sink.Port(), Security: "none", From: "no-reply@shop.example", Timeout: 5 * time.Second}
	ctx := context.Background()
	m := mail.Message{To: "carol@brand-a.example", Subject: "s", Body: "b"}

	sink.RefuseNext("451 4.3.0 try again later")
	if err := s.Send(ctx, m); err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("451: %v, want a retryable error", err)
	}
	sink.RefuseNext("550 5.1.1 no such user")
	if err := s.Send(ctx, m); !errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("550: %v, want ErrPermanent", err)
	}
	if err := s.Send(ctx, mail.Message{To: "not an address", Subject: "s", Body: "b"}); !errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("a malformed recipient: %v, want ErrPermanent", err)
	}
	if len(sink.Received()) != 0 {
		t.Fatalf("refused messages were kept: %v", sink.Received())
	}
	if err := s.Send(ctx, m); err != nil || len(sink.Received()) != 1 {
		t.Fatalf("after the refusals: %v, %d received", err, len(sink.Received()))
	}

	closed := mail.SMTP{Host: "127.0.0.1", Port: 1, Security: "none", From: "no-reply@shop.example", Timeout: time.Second}
	if err := closed.Send(ctx, m); err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("no server: %v, want a retryable error", err)
	}
	// STARTTLS is required by default: a server without it is refused.
	strict := mail.SMTP{Host: "127.0.0.1", Port: sink.Port(), From: "no-reply@shop.example", Timeout: 5 * time.Second}
	if err := strict.Send(ctx, m); err == nil {
		t.Fatal("sent in clear text although STARTTLS is the default")
	}
}

func TestSMTPValidate(t *testing.T) {
	for _, c := range []struct {
		s  mail.SMTP
		ok bool
	}{
		{mail.SMTP{Host: "smtp.example.com", From: "no-reply@shop.example"}, true},
		{mail.SMTP{Host: "smtp.example.com", From: "Shoplet <no-reply@shop.example>", Security: "tls"}, true},
		{mail.SMTP{From: "no-reply@shop.example"}, false},
		{mail.SMTP{Host: "smtp.example.com"}, false},
		{mail.SMTP{Host: "smtp.example.com", From: "not an address"}, false},
		{mail.SMTP{Host: "smtp.example.com", From: "no-reply@shop.example", Security: "ssl3"}, false},
	} {
		if err := c.s.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.s, err)
		}
	}
}
