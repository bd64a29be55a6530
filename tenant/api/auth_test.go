package api_test

import (
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

func TestAuthSessions(t *testing.T) {
	e := apptest.New(t)
	c := e.SignUp("user@auth.example")
	anon := e.Anon()
	c.Must(200, "GET", "/api/v1/me", nil)
	if r := anon.Do("GET", "/api/v1/me", nil); r.Status != 401 || r.ErrorCode() != "missing_token" {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	if r := (&apptest.Client{E: e, Token: "forged"}).Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("forged token: %d", r.Status)
	}

	// Refresh rotates; the old refresh token then revokes the whole family.
	r1 := anon.Must(200, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": c.Refresh}).Map(t)
	newAccess, newRefresh := r1["access_token"].(string), r1["refresh_token"].(string)
	if newRefresh == c.Refresh || newAccess == c.Token {
		t.Fatal("refresh did not rotate")
	}
	(&apptest.Client{E: e, Token: newAccess}).Must(200, "GET", "/api/v1/me", nil)
	if r := anon.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": c.Refresh}); r.Status != 401 || r.ErrorCode() != "refresh_token_reused" {
		t.Fatalf("reused refresh: %d %s", r.Status, r.Body)
	}
	if r := (&apptest.Client{E: e, Token: newAccess}).Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("access token survived a reuse alarm: %d", r.Status)
	}
	if r := anon.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": newRefresh}); r.Status != 401 {
		t.Fatalf("family member survived a reuse alarm: %d", r.Status)
	}

	// Logout revokes the access and refresh tokens of that sign-in only.
	login := func() (string, string) {
		m := anon.Must(200, "POST", "/api/v1/auth/login", map[string]string{"email": "user@auth.example", "password": "correct-horse-battery"}).Map(t)
		return m["access_token"].(string), m["refresh_token"].(string)
	}
	a1, rf1 := login()
	a2, _ := login()
	(&apptest.Client{E: e, Token: a1}).Must(204, "POST", "/api/v1/auth/logout", nil)
	if r := (&apptest.Client{E: e, Token: a1}).Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("access token after logout: %d", r.Status)
	}
	if r := anon.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": rf1}); r.Status != 401 {
		t.Fatalf("refresh token after logout: %d", r.Status)
	}
	(&apptest.Client{E: e, Token: a2}).Must(200, "GET", "/api/v1/me", nil)

	// Five wrong passwords lock the email, even for the right password.
	for i := 0; i < 5; i++ {
		if r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": "user@auth.example", "password": "wrong-password"}); r.Status != 401 {
			t.Fatalf("wrong password %d: %d", i, r.Status)
		}
	}
	r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": "user@auth.example", "password": "correct-horse-battery"})
	if r.Status != 429 || r.ErrorCode() != "account_locked" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("locked account: %d %s", r.Status, r.Body)
	}
	// An unknown email answers like a wrong password.
	if r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@auth.example", "password": "whatever-pw"}); r.Status != 401 || r.ErrorCode() != "bad_credentials" {
		t.Fatalf("unknown email: %d %s", r.Status, r.Body)
	}
	if r := anon.Do("POST", "/api/v1/auth/signup", map[string]string{"email": "USER@auth.example", "password": "another-long-pw"}); r.Status != 409 {
		t.Fatalf("duplicate email (case-insensitive): %d", r.Status)
	}
}
