package jobs_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/pkg/mail/mailtest"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/jobs"
)

func testRedis(t *testing.T) *kv.Conn {
	t.Helper()
	u := os.Getenv("SHOPLET_TEST_REDIS_URL")
	if u == "" && os.Getenv("SHOPLET_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatal("SHOPLET_TEST_REDIS_URL is not set but SHOPLET_TEST_REQUIRE_SERVICES=1")
	}
	c, err := kv.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestMailJobRetriesThroughSMTP: mail queued for a store and for the platform
// reaches a real SMTP server through the worker; a temporary refusal is
// retried until delivered, a permanent one is not retried.
func TestMailJobRetriesThroughSMTP(t *testing.T) {
	r := testRedis(t)
	sink := mailtest.Start(t)
	log := slog.New(slog.DiscardHandler)
	queue := "mailtest-" + ids.Token(6) // a private queue on the shared Redis
	q := jobs.NewQueue(r, queue, "mailtest:")
	defer q.Close()
	out := mail.SMTP{Host: "127.0.0.1", Port: sink.Port(), Security: "none", From: "no-reply@shop.example", Timeout: 5 * time.Second}
	mux := jobs.NewMux(log)
	mux.Handle(jobs.TypeMail, jobs.HandleMail(out))
	mux.HandlePlatform(jobs.TypePlatformMail, jobs.HandleMail(out))
	w := jobs.NewWorker(r.Options, queue, 2, log)
	if err := w.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer w.Shutdown()

	waitFor := func(to string) mailtest.Delivery {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			for _, d := range sink.Received() {
				if d.To[0] == to {
					return d
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no mail to %s within 15 s (%d attempts)", to, sink.Attempts())
		return mailtest.Delivery{}
	}

	// Store A's invitation: the server is busy the first time.
	sink.RefuseNext("451 4.3.0 try again later")
	ctxA := tenant.WithTenant(context.Background(), ids.New())
	if err := (jobs.MailSender{Q: q}).Send(ctxA, mail.Message{To: "staff@brand-a.example", Subject: "Join Brand A", Body: "token A"}); err != nil {
		t.Fatal(err)
	}
	if d := waitFor("staff@brand-a.example"); strings.TrimSpace(d.Body()) != "token A" || d.Header("Subject") != "Join Brand A" {
		t.Fatalf("delivered %q %q", d.Header("Subject"), d.Body())
	}
	if n := sink.Attempts(); n != 2 {
		t.Fatalf("%d delivery attempts, want 2 (refused, then retried)", n)
	}

	// The platform's password reset, which belongs to no store.
	if err := (jobs.MailSender{Q: q, Platform: true}).Send(context.Background(), mail.Message{To: "owner@brand-b.example", Subject: "Reset", Body: "token B"}); err != nil {
		t.Fatal(err)
	}
	if d := waitFor("owner@brand-b.example"); strings.TrimSpace(d.Body()) != "token B" {
		t.Fatalf("platform mail body %q", d.Body())
	}
	// Store mail without a store is refused at the door.
	if err := (jobs.MailSender{Q: q}).Send(context.Background(), mail.Message{To: "x@y.example"}); err == nil {
		t.Fatal("store mail without a tenant was queued")
	}

	// No such mailbox: one attempt, then the task is archived, not retried.
	before := sink.Attempts()
	sink.RefuseNext("550 5.1.1 no such user")
	if err := (jobs.MailSender{Q: q}).Send(ctxA, mail.Message{To: "gone@brand-a.example", Subject: "s", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	in := asynq.NewInspector(r.Options)
	defer in.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if info, err := in.GetQueueInfo(queue); err == nil && info.Archived == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refused message was not archived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // past the first retry's delay
	if n := sink.Attempts() - before; n != 1 {
		t.Fatalf("%d attempts for a permanent refusal, want 1", n)
	}
	_ = in.DeleteQueue(queue, true)
}
