package migrate_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// redisServer runs a redis-server of the test's own, with AOF, in a
// temporary directory, so that the test can restart it.
type redisServer struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatal("redis-server did not start")
}

// restart shuts the server down (it writes its AOF) and starts it again.
func (r *redisServer) restart(down time.Duration) {
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	rdb.Shutdown(context.Background())
	rdb.Close()
	r.cmd.Wait()
	time.Sleep(down)
	r.start()
}

// TestRedisRestart restarts Redis (AOF) in the middle of a migration: the
// workers reconnect and the migration completes with the workspaces equal.
func TestRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a redis-server")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not installed")
		}
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	rs := &redisServer{t: t, bin: bin, dir: filepath.Join(t.TempDir()), port: port}
	rs.start()
	t.Cleanup(func() { rs.cmd.Process.Kill(); rs.cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), PoolSize: 64, MaxRetries: 10})
	t.Cleanup(func() { rdb.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	h := newHarnessWith(t, rdb, intercomtest.Options{Contacts: 2500, RateLimitPerMinute: 600_000, Latency: 3 * time.Millisecond, Entities: []string{"contacts"}}, nil, nil)
	h.workers(2, 4)
	m, err := h.e.Start(ctx, h.config())
	if err != nil {
		t.Fatal(err)
	}
	// Restart once some contacts have migrated.
	for {
		n, _ := h.e.Store().MapLen(ctx, m.ID, "contacts")
		if n >= 500 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	before, _ := h.e.Store().MapLen(ctx, m.ID, "contacts")
	rs.restart(time.Second)
	t.Logf("redis restarted with %d of 2500 contacts migrated", before)

	for {
		st, err := h.e.Wait(ctx, m.ID, 200*time.Millisecond, nil)
		if err != nil && ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond) // a read during the restart: wait again
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if st.Migration.State != store.StateDone {
			t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
		}
		break
	}
	requireEqual(ctx, t, h, "after a Redis restart")
	if got := h.dst.Count("contacts"); got != 2500 {
		t.Fatalf("destination has %d contacts", got)
	}
}
