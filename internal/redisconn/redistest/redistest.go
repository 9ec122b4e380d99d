// Package redistest gives tests a real Redis: the one at REDIS_URL (default
// redis://127.0.0.1:6379). Without one a test skips, except under CI=true,
// where it fails: CI starts a Redis, so its absence is a broken run.
package redistest

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/redisconn"
)

// Client connects to the test Redis and closes it at the end of the test.
// Tests share that Redis: they keep apart by unique migration ids and queue
// names, never by flushing it.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	url := redisconn.URLFromEnv()
	rdb, err := redisconn.Open(context.Background(), url)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Redis for the tests: %v", err)
		}
		t.Skipf("no Redis for the tests (set REDIS_URL): %v", err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
