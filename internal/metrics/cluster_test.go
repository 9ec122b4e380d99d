package metrics

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// gaugeOf reads one gauge of a registry's scrape (-1 when absent).
func gaugeOf(t *testing.T, r *Registry, name string) float64 {
	t.Helper()
	mfs, err := r.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) > 0 {
			return mf.Metric[0].GetGauge().GetValue()
		}
	}
	return -1
}

func count(t *testing.T, r *Registry, name string) int {
	t.Helper()
	mfs, err := r.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.Metric)
		}
	}
	return 0
}

// TestClusterLease: of several processes on one Redis, one exports the
// cluster metrics; when it gives the lease up (or it expires) another
// takes over.
func TestClusterLease(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	regs := make([]*Registry, 3)
	for i := range regs {
		regs[i] = New("worker")
		regs[i].WatchCluster(ClusterOptions{Redis: rdb, CacheTTL: time.Nanosecond, Lease: time.Minute})
	}
	// A queue with a task, for the queue metrics.
	if err := rdb.SAdd(context.Background(), "asynq:queues", "q1").Err(); err != nil {
		t.Fatal(err)
	}
	leaders := func() []int {
		var out []int
		for i, r := range regs {
			switch g := gaugeOf(t, r, ClusterLeader.Name); g {
			case 1:
				out = append(out, i)
				if count(t, r, QueueTasks.Name) == 0 {
					t.Errorf("leader %d exports no queue metrics", i)
				}
			case 0:
				if n := count(t, r, QueueTasks.Name); n != 0 {
					t.Errorf("process %d is not the leader but exports %d queue series", i, n)
				}
			default:
				t.Errorf("process %d: leader gauge %v", i, g)
			}
		}
		return out
	}
	for range 3 {
		if l := leaders(); len(l) != 1 || l[0] != 0 {
			t.Fatalf("leaders %v, want [0] (the first to scrape keeps it)", l)
		}
	}
	if err := regs[0].ReleaseCluster(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Process 0 scrapes again first after its release: fine, it takes it
	// back; release and let process 1 scrape first instead.
	regs[0].ReleaseCluster(context.Background())
	if g := gaugeOf(t, regs[1], ClusterLeader.Name); g != 1 {
		t.Fatalf("after the release, process 1 leader gauge %v", g)
	}
	if l := leaders(); len(l) != 1 || l[0] != 1 {
		t.Fatalf("leaders %v, want [1]", l)
	}
	// The leader dies without releasing: after the lease, another one.
	regs[1] = New("worker") // a new process: another owner
	regs[1].WatchCluster(ClusterOptions{Redis: rdb, CacheTTL: time.Nanosecond, Lease: time.Minute})
	if l := leaders(); len(l) != 0 {
		t.Fatalf("leaders %v while the dead one's lease runs, want none", l)
	}
	mr.FastForward(2 * time.Minute)
	if l := leaders(); len(l) != 1 {
		t.Fatalf("leaders %v after the lease expired, want one", l)
	}
}

// TestClusterCache: scrapes within CacheTTL are served from the cache, and
// concurrent scrapes collect once.
func TestClusterCache(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	r := New("worker")
	r.WatchCluster(ClusterOptions{Redis: rdb, CacheTTL: time.Hour})
	c := r.cluster
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.prom.Gather(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := c.collections.Load(); n != 1 {
		t.Errorf("%d collections for 20 scrapes within the TTL, want 1", n)
	}
	// Past the TTL: once more.
	c.mu.Lock()
	c.at = time.Now().Add(-2 * time.Hour)
	c.mu.Unlock()
	r.prom.Gather()
	r.prom.Gather()
	if n := c.collections.Load(); n != 2 {
		t.Errorf("%d collections, want 2", n)
	}
}

// TestClusterRedisDown: without Redis the cluster metrics are absent (not
// stale), the scrape still succeeds, and they come back with Redis.
func TestClusterRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	r := New("worker")
	r.WatchCluster(ClusterOptions{Redis: rdb, CacheTTL: time.Nanosecond, Timeout: time.Second})
	rdb.SAdd(context.Background(), "asynq:queues", "q1")
	if count(t, r, QueueTasks.Name) == 0 {
		t.Fatal("no queue metrics")
	}
	mr.Close()
	if g := gaugeOf(t, r, ClusterLeader.Name); g != 0 {
		t.Errorf("leader gauge %v with Redis down", g)
	}
	if n := count(t, r, QueueTasks.Name); n != 0 {
		t.Errorf("%d stale queue series with Redis down", n)
	}
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	rdb.SAdd(context.Background(), "asynq:queues", "q1")
	if count(t, r, QueueTasks.Name) == 0 {
		t.Error("no queue metrics once Redis is back")
	}
}
