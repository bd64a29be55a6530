// Package mailtest is a tiny SMTP server for tests: it speaks enough of
// RFC 5321 (EHLO, AUTH PLAIN, MAIL, RCPT, DATA) for a real client to deliver
// to it, keeps what it received, and can be told to refuse.
package mailtest

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
)

// Delivery is one message the sink accepted.
type Delivery struct {
	From string
	To   []string
	Data string // headers and body as received (dot-unstuffed)
}

// Header returns a header of the message.
func (d Delivery) Header(name string) string {
	m, err := netmail.ReadMessage(strings.NewReader(d.Data))
	if err != nil {
		return ""
	}
	return m.Header.Get(name)
}

// Body returns the message body, decoded from its transfer encoding.
func (d Delivery) Body() string {
	m, err := netmail.ReadMessage(strings.NewReader(d.Data))
	if err != nil {
		return ""
	}
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

// Sink listens on a loopback port until the test ends.
type Sink struct {
	Addr string // host:port
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string

	mu        sync.Mutex
	got       []Delivery
	attempts  int
	rcptReply []string // replies to RCPT TO, consumed in order; then 250
}

// Start runs a sink for t.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{Addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// Port is the port the sink listens on.
func (s *Sink) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

// RefuseNext makes the next RCPT TO commands answer these replies
// (e.g. "451 4.3.0 try again later", "550 5.1.1 no such user").
func (s *Sink) RefuseNext(replies ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptReply = append(s.rcptReply, replies...)
}

// Received returns the accepted messages, oldest first.
func (s *Sink) Received() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.got...)
}

// Attempts counts RCPT TO commands seen, accepted or not.
func (s *Sink) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func (s *Sink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { fmt.Fprintf(c, "%s\r\n", line) }
	say("220 sink.test ESMTP mailtest")
	var cur Delivery
	authed := s.Username == ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			say("250-sink.test")
			say("250-AUTH PLAIN")
			say("250 8BITMIME")
		case verb == "AUTH":
			f := strings.Fields(line)
			if len(f) < 3 || strings.ToUpper(f[1]) != "PLAIN" {
				say("504 5.5.4 only AUTH PLAIN with an initial response")
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(f[2])
			parts := strings.Split(string(raw), "\x00")
			if len(parts) == 3 && parts[1] == s.Username && parts[2] == s.Password {
				authed = true
				say("235 2.7.0 authenticated")
			} else {
				say("535 5.7.8 bad credentials")
			}
		case verb == "MAIL":
			if !authed {
				say("530 5.7.0 authentication required")
				continue
			}
			cur = Delivery{From: addrOf(line)}
			say("250 2.1.0 ok")
		case verb == "RCPT":
			s.mu.Lock()
			s.attempts++
			reply := "250 2.1.5 ok"
			if len(s.rcptReply) > 0 {
				reply, s.rcptReply = s.rcptReply[0], s.rcptReply[1:]
			}
			s.mu.Unlock()
			if strings.HasPrefix(reply, "250") {
				cur.To = append(cur.To, addrOf(line))
			}
			say(reply)
		case verb == "DATA":
			if len(cur.To) == 0 {
				say("554 5.5.1 no valid recipients")
				continue
			}
			say("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.got = append(s.got, cur)
			s.mu.Unlock()
			cur = Delivery{}
			say("250 2.0.0 queued")
		case verb == "RSET":
			cur = Delivery{}
			say("250 2.0.0 ok")
		case verb == "NOOP":
			say("250 2.0.0 ok")
		case verb == "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.2 command not implemented")
		}
	}
}

func addrOf(line string) string {
	i, j := strings.Index(line, "<"), strings.Index(line, ">")
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}
