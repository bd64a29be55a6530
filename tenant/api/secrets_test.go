package api_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/settings"
)

func TestSecretsAreSealedWriteOnlyAndNeverLogged(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@sec.example")
	sid := owner.CreateStore("sec", "mainland", "apparel")
	otherID := e.SignUp("owner@sec2.example").CreateStore("sec2", "mainland", "apparel")
	base := "/api/v1/stores/" + sid

	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	appSecret := "0123456789abcdef0123456789abcdef"
	v3Key := "APIv3-key-0123456789-abcdefghijk"
	secrets := []string{appSecret, v3Key, strings.Split(privPEM, "\n")[1]}

	mp := owner.Must(200, "PUT", base+"/settings/miniprogram", map[string]any{"app_id": "wx0123456789abcdef", "app_secret": appSecret}).Map(t)
	pay := owner.Must(200, "PUT", base+"/settings/payment", map[string]any{"mode": "direct", "mch_id": "1900000109",
		"cert_serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "api_v3_key": v3Key, "private_key": privPEM,
		"platform_public_key_id": wechatfake.PublicKeyID, "platform_public_key": e.Fake.Pay.PlatformPublicKeyPEM()}).Map(t)
	if s := mp["app_secret"].(map[string]any); s["set"] != true || len(s["fingerprint"].(string)) != 16 {
		t.Fatalf("app_secret view = %v", s)
	}
	// A partial update keeps the stored secrets.
	owner.Must(200, "PUT", base+"/settings/payment", map[string]any{"mode": "direct", "mch_id": "1900000110", "cert_serial": "5157F09EFDC096DE",
		"platform_public_key_id": wechatfake.PublicKeyID, "platform_public_key": e.Fake.Pay.PlatformPublicKeyPEM()})
	got := owner.Must(200, "GET", base+"/settings/payment", nil)
	if !strings.Contains(string(got.Body), pay["api_v3_key"].(map[string]any)["fingerprint"].(string)) {
		t.Fatalf("api_v3_key fingerprint changed after a partial update: %s", got.Body)
	}

	// Code can read them for this tenant only.
	ctxA := tenant.WithTenant(context.Background(), sid)
	s, err := e.App.Settings.Reveal(ctxA, settings.SecretAPIv3Key)
	if err != nil || s.Reveal() != v3Key {
		t.Fatalf("reveal = %v", err)
	}
	if _, err := e.App.Settings.Reveal(tenant.WithTenant(context.Background(), otherID), settings.SecretAPIv3Key); err == nil {
		t.Fatal("another tenant revealed a secret it never set")
	}

	// Nothing the API returns or the server logs contains a secret, and the
	// stored values are ciphertext.
	var everything strings.Builder
	for _, p := range []string{"/settings/payment", "/settings/miniprogram", "/audit-logs", ""} {
		everything.Write(owner.Must(200, "GET", base+p, nil).Body)
	}
	everything.WriteString(e.Logs.String())
	var stored []byte
	err = e.App.T.Tx(ctxA, func(ctx context.Context) error {
		rows, err := e.App.T.Q(ctx).Raw("SELECT name, ciphertext, wrapped_key, fingerprint FROM tenant_secrets WHERE tenant_id = ?", sid).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var name, fp string
			var ct, wk []byte
			if err := rows.Scan(&name, &ct, &wk, &fp); err != nil {
				return err
			}
			stored = append(append(append(stored, ct...), wk...), fp...)
			n++
		}
		if n != 3 {
			t.Errorf("stored secrets = %d, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secrets {
		if strings.Contains(everything.String(), sec) {
			t.Errorf("a secret appears in a response or a log line: %.12s…", sec)
		}
		if strings.Contains(string(stored), sec) {
			t.Errorf("a secret is stored in plaintext: %.12s…", sec)
		}
	}

	// Bad secrets are refused and change nothing.
	r := owner.Do("PUT", base+"/settings/payment", map[string]any{"mode": "global", "mch_id": "12", "cert_serial": "zz", "api_v3_key": "short", "private_key": "not a key"})
	fe := r.FieldErrors()
	for _, f := range []string{"mode", "mch_id", "cert_serial", "api_v3_key", "private_key"} {
		if fe[f] == "" {
			t.Errorf("no field error for %s: %s", f, r.Body)
		}
	}
	if again, _ := e.App.Settings.Reveal(ctxA, settings.SecretAPIv3Key); again.Reveal() != v3Key {
		t.Fatal("a rejected update changed the stored key")
	}
}
