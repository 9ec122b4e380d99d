package redisconn

import (
	"context"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

func TestOpen(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb, err := Open(context.Background(), "redis://"+mr.Addr())
	if err != nil {
		t.Fatal(err)
	}
	rdb.Close()

	for _, tc := range []struct{ name, url, want string }{
		{"bad scheme", "http://localhost:6379", "redis URL"},
		{"unreachable", "redis://127.0.0.1:1", "cannot reach Redis at 127.0.0.1:1"},
		{"password hidden", "redis://:s3cret@127.0.0.1:1", "cannot reach Redis at 127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(context.Background(), tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("err = %v, want it to contain %q and no password", err, tc.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	if got := redact("redis://user:pw@host:1/0"); got != "redis://***@host:1/0" {
		t.Fatal(got)
	}
	if got := redact("redis://host:1"); got != "redis://host:1" {
		t.Fatal(got)
	}
}
