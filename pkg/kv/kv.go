// Package kv connects to Redis (one server, a Redis Cluster, or a master
// watched by Sentinel), or starts an in-process Redis (miniredis) for the
// embedded single-binary setup where nothing else is installed.
package kv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Options describe a Redis deployment; exactly one of the fields is set.
type Options struct {
	Single   *redis.Options         // redis://host:port/db
	Cluster  *redis.ClusterOptions  // redis+cluster://h1:p1,h2:p2
	Sentinel *redis.FailoverOptions // redis+sentinel://s1:p1,s2:p2/master
}

// ParseURL reads one of the forms
//
//	redis://[user:password@]host:port[/db][?option=value...]
//	redis+cluster://[user:password@]host:port[,host:port...][?option=value...]
//	redis+sentinel://[user:password@]host:port[,host:port...]/master-name[/db][?option=value...]
//
// and their rediss… (TLS) variants. A cluster's hosts are seed nodes (any
// reachable one finds the others); a Sentinel URL lists the sentinels, and its
// user and password are those of the Redis servers (sentinel_username and
// sentinel_password options give the sentinels' own). Options are go-redis's
// URL options (dial_timeout, read_timeout, pool_size, max_redirects, ...).
func ParseURL(raw string) (Options, error) {
	scheme, _, _ := strings.Cut(raw, "://")
	base, kind, _ := strings.Cut(scheme, "+")
	if base != "redis" && base != "rediss" {
		return Options{}, fmt.Errorf("redis url: scheme %q: want redis, rediss, redis+cluster or redis+sentinel", scheme)
	}
	switch kind {
	case "":
		o, err := redis.ParseURL(raw)
		return Options{Single: o}, err
	case "cluster":
		user, hosts, path, q, err := splitMulti(raw, scheme, "6379")
		if err != nil {
			return Options{}, err
		}
		if strings.Trim(path, "/") != "" {
			return Options{}, fmt.Errorf("redis url: a cluster has only database 0; drop the path %q", path)
		}
		for _, h := range hosts[1:] {
			q.Add("addr", h)
		}
		u := url.URL{Scheme: base, User: user, Host: hosts[0], RawQuery: q.Encode()}
		o, err := redis.ParseClusterURL(u.String())
		return Options{Cluster: o}, err
	case "sentinel":
		user, hosts, path, q, err := splitMulti(raw, scheme, "26379")
		if err != nil {
			return Options{}, err
		}
		seg := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
		if len(seg) == 0 || len(seg) > 2 {
			return Options{}, fmt.Errorf("redis url: a sentinel url names the master: redis+sentinel://host:port/master-name[/db]")
		}
		q.Set("master_name", seg[0])
		if len(seg) == 2 {
			q.Set("db", seg[1])
		}
		if user != nil {
			q.Set("username", user.Username())
			p, _ := user.Password()
			q.Set("password", p)
		}
		// go-redis takes the sentinels' credentials from the user part only.
		var sentinelUser *url.Userinfo
		if su, sp := q.Get("sentinel_username"), q.Get("sentinel_password"); su != "" || sp != "" {
			sentinelUser = url.UserPassword(su, sp)
		}
		q.Del("sentinel_username")
		q.Del("sentinel_password")
		for _, h := range hosts[1:] {
			q.Add("addr", h)
		}
		u := url.URL{Scheme: base, User: sentinelUser, Host: hosts[0], RawQuery: q.Encode()}
		o, err := redis.ParseFailoverURL(u.String())
		return Options{Sentinel: o}, err
	default:
		return Options{}, fmt.Errorf("redis url: scheme %q: want redis, rediss, redis+cluster or redis+sentinel", scheme)
	}
}

// splitMulti takes apart scheme://[userinfo@]h1:p1,h2:p2[/path][?query],
// which net/url cannot parse because of the host list.
func splitMulti(raw, scheme, defaultPort string) (user *url.Userinfo, hosts []string, path string, q url.Values, err error) {
	rest := strings.TrimPrefix(raw, scheme+"://")
	rest, query, _ := strings.Cut(rest, "?")
	if q, err = url.ParseQuery(query); err != nil {
		return nil, nil, "", nil, fmt.Errorf("redis url: %w", err)
	}
	authority := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		u, err := url.Parse("x://" + authority[:i+1] + "h")
		if err != nil {
			return nil, nil, "", nil, fmt.Errorf("redis url: user part: %w", err)
		}
		user, authority = u.User, authority[i+1:]
	}
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, defaultPort)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, nil, "", nil, fmt.Errorf("redis url %s://: no host", scheme)
	}
	return user, hosts, path, q, nil
}

// NewClient builds the client the options describe.
//
// A cluster client reloads the cluster's layout when a command fails on a
// connection error: go-redis otherwise keeps sending a dead master's slots to
// it until its periodic reload (60 s by default), long after a replica took
// over (a few seconds with cluster-node-timeout 2000).
func (o Options) NewClient() redis.UniversalClient {
	switch {
	case o.Cluster != nil:
		opt := *o.Cluster
		if opt.ClusterStateReloadInterval == 0 {
			opt.ClusterStateReloadInterval = 10 * time.Second
		}
		cc := redis.NewClusterClient(&opt)
		cc.AddHook(reloadOnConnError{cc})
		return cc
	case o.Sentinel != nil:
		return redis.NewFailoverClient(o.Sentinel)
	default:
		return redis.NewClient(o.Single)
	}
}

// MakeRedisClient makes o an asynq.RedisConnOpt: asynq's own clients are
// built like the application's (asynq's RedisClusterClientOpt would build one
// without the reload on connection errors, blind to a failover for a minute).
func (o Options) MakeRedisClient() any { return o.NewClient() }

// reloadOnConnError asks a cluster client to reload the layout after a
// command or pipeline fails to reach its node.
type reloadOnConnError struct{ cc *redis.ClusterClient }

func (h reloadOnConnError) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnConnError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(err)
		return err
	}
}

func (h reloadOnConnError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(err)
		return err
	}
}

func (h reloadOnConnError) check(err error) {
	if connError(err) {
		h.cc.ReloadState(context.Background()) // in the background, at most every 200 ms
	}
}

// connError reports whether err says a node could not be reached or is
// failing over, rather than that the command itself failed.
func connError(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.HasPrefix(err.Error(), "CLUSTERDOWN") || strings.HasPrefix(err.Error(), "TRYAGAIN")
}

// String names the servers, without credentials.
func (o Options) String() string {
	switch {
	case o.Cluster != nil:
		return "cluster " + strings.Join(o.Cluster.Addrs, ",")
	case o.Sentinel != nil:
		return "master " + o.Sentinel.MasterName + " of sentinels " + strings.Join(o.Sentinel.SentinelAddrs, ",")
	default:
		return o.Single.Addr
	}
}

// Conn is an open Redis connection and the options it was opened with (asynq
// opens its own from them).
type Conn struct {
	Client   redis.UniversalClient
	Options  Options
	embedded *miniredis.Miniredis
}

// Embedded reports whether this is the in-process Redis.
func (c *Conn) Embedded() bool { return c.embedded != nil }

// Open connects to url (see ParseURL). An empty url starts an in-process
// Redis on a loopback port; it keeps data in memory only.
func Open(ctx context.Context, url string) (*Conn, error) {
	var opts Options
	var mr *miniredis.Miniredis
	if url == "" {
		mr = miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		opts.Single = &redis.Options{Addr: mr.Addr()}
	} else {
		var err error
		if opts, err = ParseURL(url); err != nil {
			return nil, err
		}
	}
	// Per node on a cluster.
	switch {
	case opts.Cluster != nil:
		opts.Cluster.PoolSize = max(opts.Cluster.PoolSize, 64)
	case opts.Sentinel != nil:
		opts.Sentinel.PoolSize = max(opts.Sentinel.PoolSize, 64)
	default:
		opts.Single.PoolSize = max(opts.Single.PoolSize, 64)
	}
	c := opts.NewClient()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := c.Ping(pctx).Err()
	if cc, ok := c.(*redis.ClusterClient); ok && err == nil {
		err = cc.ForEachMaster(pctx, func(ctx context.Context, m *redis.Client) error { return m.Ping(ctx).Err() })
	}
	if err != nil {
		c.Close()
		if mr != nil {
			mr.Close()
		}
		return nil, fmt.Errorf("redis at %s: %w", opts, err)
	}
	return &Conn{Client: c, Options: opts, embedded: mr}, nil
}

// Close closes the client and stops the embedded server, if any.
func (c *Conn) Close() error {
	err := c.Client.Close()
	if c.embedded != nil {
		c.embedded.Close()
	}
	return err
}
