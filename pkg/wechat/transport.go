// Package wechat holds what Shoplet needs around the WeChat SDKs: an HTTP
// transport that sends their requests to another base URL (the project's fake
// in tests and the demo), since both SDKs hard-code WeChat's hosts.
package wechat

import (
	"net/http"
	"net/url"
	"time"
)

// Hosts the SDKs call.
var Hosts = map[string]bool{
	"api.weixin.qq.com":       true,
	"mp.weixin.qq.com":        true,
	"api.mch.weixin.qq.com":   true,
	"api2.mch.weixin.qq.com":  true,
	"apihk.mch.weixin.qq.com": true,
}

// HeaderOriginalHost carries the host a rewritten request was meant for.
const HeaderOriginalHost = "X-Original-Host"

// Rewrite returns a transport that sends requests for WeChat's hosts to base
// (scheme and host replaced, path and query kept) and everything else through next.
func Rewrite(base *url.URL, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return rewrite{base: base, next: next}
}

type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	if !Hosts[req.URL.Hostname()] {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header.Set(HeaderOriginalHost, req.URL.Host)
	out.URL.Scheme, out.URL.Host = r.base.Scheme, r.base.Host
	out.Host = r.base.Host
	return r.next.RoundTrip(out)
}

// Client returns an HTTP client for the SDKs: a timeout always (the SDKs'
// defaults have none), and the rewrite when base is set.
func Client(base string) (*http.Client, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	if base != "" {
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		c.Transport = Rewrite(u, nil)
	}
	return c, nil
}
