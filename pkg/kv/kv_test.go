package kv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoplet/shoplet/pkg/ids"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want string // Options.String()
		err  string
		test func(t *testing.T, o Options)
	}{
		{url: "redis://127.0.0.1:6379/2", want: "127.0.0.1:6379", test: func(t *testing.T, o Options) {
			if o.Single.DB != 2 {
				t.Fatalf("db %d", o.Single.DB)
			}
		}},
		{url: "redis+cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2:7001,10.0.0.3?dial_timeout=2s&max_redirects=5",
			want: "cluster 10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:6379", test: func(t *testing.T, o Options) {
				c := o.Cluster
				if c.Username != "u" || c.Password != "p@ss" || c.DialTimeout != 2*time.Second || c.MaxRedirects != 5 || c.TLSConfig != nil {
					t.Fatalf("%+v", c)
				}
			}},
		{url: "rediss+cluster://h1:7000", want: "cluster h1:7000", test: func(t *testing.T, o Options) {
			if o.Cluster.TLSConfig == nil || o.Cluster.TLSConfig.ServerName != "h1" {
				t.Fatalf("tls %+v", o.Cluster.TLSConfig)
			}
		}},
		{url: "redis+sentinel://:secret@s1:26379,s2/shop/3?sentinel_password=sp&read_timeout=1s",
			want: "master shop of sentinels s1:26379,s2:26379", test: func(t *testing.T, o Options) {
				s := o.Sentinel
				if s.Password != "secret" || s.SentinelPassword != "sp" || s.DB != 3 || s.ReadTimeout != time.Second {
					t.Fatalf("%+v", s)
				}
			}},
		{url: "redis+cluster://h1:7000/1", err: "only database 0"},
		{url: "redis+sentinel://s1:26379", err: "names the master"},
		{url: "redis+cluster://", err: "no host"},
		{url: "redis+cluster://h1:7000?bogus=1", err: "bogus"},
		{url: "memcached://h:1", err: "want redis"},
		{url: "redis+ring://h:1", err: "want redis"},
	} {
		t.Run(c.url, func(t *testing.T) {
			o, err := ParseURL(c.url)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.String() != c.want {
				t.Fatalf("%s, want %s", o, c.want)
			}
			c.test(t, o)
		})
	}
}

// Keys in many slots (on a cluster: on every master) are read, revoked and
// confirmed without CROSSSLOT errors, with the values MGET would give.
func TestMultiKeyAcrossSlots(t *testing.T) {
	rdb, _ := testRedis(t)
	ctx := context.Background()
	prefix := "kvtest:" + ids.Token(4) + ":"
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = prefix + ids.Token(8)
		if i%2 == 0 {
			rdb.Set(ctx, keys[i], "v"+keys[i], time.Minute)
		}
	}
	vals, err := MGet(ctx, rdb, keys...)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if want := any("v" + keys[i]); i%2 == 1 && v != nil || i%2 == 0 && v != want {
			t.Fatalf("key %d: %v", i, v)
		}
	}
	if err := Revoke(ctx, rdb, keys...); err != nil {
		t.Fatal(err)
	}
	if vals, _ = MGet(ctx, rdb, keys...); vals[0] != nil || vals[38] != nil {
		t.Fatalf("after revoke: %v", vals)
	}
	mark := prefix + "mark:{q}"
	if err := Replicated(ctx, rdb, mark); err != nil {
		t.Fatal(err)
	}
	rdb.Del(ctx, mark)
	if _, cluster := rdb.(*redis.ClusterClient); cluster {
		// The keys really were spread: more than one master held some.
		masters := map[string]bool{}
		for _, k := range keys {
			m, err := rdb.(*redis.ClusterClient).MasterForKey(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			masters[m.Options().Addr] = true
		}
		if len(masters) < 2 {
			t.Fatalf("40 random keys on %d master(s)", len(masters))
		}
	}
}
