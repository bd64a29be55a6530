package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// detail loads the shop's product page of a running server over every
// on-shelf product of a store (listed through the shop API first) and checks
// each answer: status 200 with the id and title asked for. Any wrong answer
// makes the command fail: a figure measured on wrong answers is no figure.
func detail(args []string) error {
	fs := flag.NewFlagSet("detail", flag.ContinueOnError)
	api := fs.String("api", "http://127.0.0.1:18080", "the server's base URL")
	store := fs.String("store", "", "store id (store_id in seed.json)")
	conns := fs.Int("c", 64, "connections")
	dur := fs.Duration("d", 15*time.Second, "duration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *store == "" {
		return fmt.Errorf("--store is required")
	}
	base := *api + "/api/shop/v1/stores/" + url.PathEscape(*store) + "/products"
	titles := map[string]string{}
	var ids []string
	for cursor := ""; ; {
		res, err := http.Get(base + "?limit=100&cursor=" + url.QueryEscape(cursor))
		if err != nil {
			return err
		}
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			return fmt.Errorf("list products: %d %v", res.StatusCode, err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
			titles[it.ID] = it.Title
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("store %s has no on-shelf product", *store)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}}
	var next, wrong atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var firstWrong atomic.Pointer[string]
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var buf bytes.Buffer
			for time.Now().Before(deadline) {
				id := ids[int(next.Add(1))%len(ids)]
				start := time.Now()
				res, err := client.Get(base + "/" + id)
				if err != nil {
					wrong.Add(1)
					msg := err.Error()
					firstWrong.CompareAndSwap(nil, &msg)
					continue
				}
				buf.Reset()
				_, err = io.Copy(&buf, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(start))
				b := buf.Bytes()
				if err != nil || res.StatusCode != 200 || !bytes.Contains(b, []byte(`"id":"`+id+`"`)) ||
					!bytes.Contains(b, []byte(`"title":`+string(mustJSON(titles[id])))) {
					wrong.Add(1)
					msg := fmt.Sprintf("GET %s/%s: %d %.200s", base, id, res.StatusCode, b)
					firstWrong.CompareAndSwap(nil, &msg)
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	slices.Sort(all)
	out := map[string]any{"products": len(ids), "requests": len(all), "wrong": wrong.Load(), "seconds": elapsed.Seconds()}
	if len(all) > 0 {
		out["requests_per_second"] = float64(len(all)) / elapsed.Seconds()
		out["p50_ms"] = float64(all[len(all)/2].Microseconds()) / 1000
		out["p99_ms"] = float64(all[len(all)*99/100].Microseconds()) / 1000
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	if p := firstWrong.Load(); p != nil {
		return fmt.Errorf("%d wrong answers, first: %s", wrong.Load(), *p)
	}
	return nil
}
