package catalog

import "testing"

func TestSanitizeDescription(t *testing.T) {
	img := "/api/shop/v1/stores/0190a0a0-0000-7000-8000-000000000001/images/0190a0a0-0000-7000-8000-000000000002"
	cases := map[string]string{
		`<p>Soft <strong>linen</strong></p><ul><li>S</li></ul>`:             `<p>Soft <strong>linen</strong></p><ul><li>S</li></ul>`,
		`<p onclick="x()">a</p><script>alert(1)</script>`:                   `<p>a</p>`,
		`<img src="` + img + `" alt="front">`:                               `<img src="` + img + `" alt="front">`,
		`<img src="javascript:alert(1)"><img src="http://evil/x.png">`:      ``,
		`<a href="https://evil">click</a><iframe src="https://x"></iframe>`: `click`,
		`plain text & more`: `plain text &amp; more`,
		`<img src="/api/v1/stores/0190a0a0-0000-7000-8000-000000000001/files/x">`: ``,
	}
	for in, want := range cases {
		if got := SanitizeDescription(in); got != want {
			t.Errorf("SanitizeDescription(%q) = %q, want %q", in, got, want)
		}
	}
}
