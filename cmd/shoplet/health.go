package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/pkg/kv"
)

// health asks a running server whether it is ready. Container images have
// no curl (distroless), so the compose file's health checks run this.
func health(ctx context.Context, cfg Config, url string, stdout io.Writer) error {
	if url == "" {
		url = "http://" + loopback(cfg.Addr) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s answered %d %s", url, res.StatusCode, body)
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return nil
}

// loopback turns a listen address into one to dial from the same host:
// 0.0.0.0:8080 and :8080 listen everywhere, so 127.0.0.1:8080 reaches them.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// workerHealth succeeds when a worker on this host has a fresh heartbeat in
// Redis (asynq writes one every few seconds and drops it when it stops).
func workerHealth(ctx context.Context, cfg Config) error {
	if cfg.RedisURL == "" {
		return errors.New("--worker needs SHOPLET_REDIS_URL")
	}
	o, err := kv.ParseURL(cfg.RedisURL) // a single Redis, a cluster or sentinels
	if err != nil {
		return fmt.Errorf("SHOPLET_REDIS_URL: %w", err)
	}
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	in := asynq.NewInspector(o)
	defer in.Close()
	servers, err := in.Servers()
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	for _, s := range servers {
		if s.Host == host && s.Status == "active" {
			for q := range s.Queues {
				if q == cfg.Queue {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("not ready: no worker for queue %q runs on %s", cfg.Queue, host)
}
