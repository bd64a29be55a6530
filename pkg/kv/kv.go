// Package kv connects to Redis, or starts an in-process Redis (miniredis) for
// the embedded single-binary setup where nothing else is installed.
package kv

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Conn is an open Redis connection and the address asynq should use.
type Conn struct {
	Client   *redis.Client
	Options  *redis.Options
	embedded *miniredis.Miniredis
}

// Embedded reports whether this is the in-process Redis.
func (c *Conn) Embedded() bool { return c.embedded != nil }

// Open connects to url (redis://host:port/db). An empty url starts an
// in-process Redis on a loopback port; it keeps data in memory only.
func Open(ctx context.Context, url string) (*Conn, error) {
	var opts *redis.Options
	var mr *miniredis.Miniredis
	if url == "" {
		mr = miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		opts = &redis.Options{Addr: mr.Addr()}
	} else {
		var err error
		if opts, err = redis.ParseURL(url); err != nil {
			return nil, fmt.Errorf("parse redis url: %w", err)
		}
	}
	opts.PoolSize = max(opts.PoolSize, 64)
	c := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		if mr != nil {
			mr.Close()
		}
		return nil, fmt.Errorf("redis at %s: %w", opts.Addr, err)
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
