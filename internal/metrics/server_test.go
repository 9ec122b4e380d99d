package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func TestServerProbes(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	srv, err := Serve("127.0.0.1:0", New("worker"), RedisReady(rdb), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	get := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+srv.Addr()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	expect := func(method, path string, code int, body string) {
		t.Helper()
		got, b := get(method, path)
		if got != code || !strings.Contains(b, body) {
			t.Errorf("%s %s: %d %q, want %d with %q", method, path, got, b, code, body)
		}
	}
	expect("GET", "/healthz", 200, "ok")
	expect("GET", "/readyz", 200, "ok")
	expect("GET", "/metrics", 200, `icmigrate_build_info{command="worker"`)
	expect("GET", "/", 404, "")
	expect("POST", "/metrics", 405, "")

	// Redis gone: not ready, still alive.
	mr.Close()
	expect("GET", "/readyz", 503, "not ready")
	expect("GET", "/healthz", 200, "ok")
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	expect("GET", "/readyz", 200, "ok")

	// Shutting down: not ready, metrics still served.
	srv.ShuttingDown()
	expect("GET", "/readyz", 503, "shutting down")
	expect("GET", "/metrics", 200, "icmigrate_build_info")
}

func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := Serve(ln.Addr().String(), New("worker"), nil, nil); err == nil {
		t.Error("Serve on an address in use succeeded")
	}
}
