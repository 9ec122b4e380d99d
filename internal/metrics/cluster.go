package metrics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
)

// ClusterOptions configure the cluster metrics: the queues (asynq's
// Inspector) and every migration's progress and dead-letter list, read from
// Redis. They are the same whichever process reads them, so one process at a
// time exports them: the holder of a lease in Redis, renewed at each of its
// scrapes, which collects at most once per CacheTTL and serves its cache in
// between. The others export only icmigrate_cluster_collector_leader 0.
// Dashboards aggregate them with max by (...) so that a change of holder
// does not show.
type ClusterOptions struct {
	Redis redis.UniversalClient
	// Status reads a migration's progress (migrate.Engine.Status).
	Status func(ctx context.Context, id string) (*migrate.Status, error)
	// CacheTTL is the least time between two collections (default 15 s).
	CacheTTL time.Duration
	// Lease is how long the holder keeps the lease without renewing it
	// (default 2 min): longer than Prometheus's scrape interval, or the
	// lease changes hands between scrapes.
	Lease time.Duration
	// Owner names this process in the lease (default host, pid and a
	// random suffix).
	Owner string
	// Migrations lists the migrations to export (default: every migration
	// record in Redis, listed again every minute).
	Migrations func(ctx context.Context) ([]string, error)
	// Timeout bounds one collection (default 10 s).
	Timeout time.Duration
	Logger  *zap.Logger
}

// LeaseKey is the Redis key of the cluster metrics' lease.
const LeaseKey = "icm:metrics:cluster-lease"

// WatchCluster adds the cluster metrics to the registry (once; later calls
// are ignored).
func (r *Registry) WatchCluster(o ClusterOptions) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cluster != nil {
		return
	}
	c := newClusterCollector(o)
	r.cluster = c
	r.prom.MustRegister(c)
}

// ReleaseCluster gives the lease up, if this process holds it, so that
// another process takes the cluster metrics over at its next scrape (on
// shutdown).
func (r *Registry) ReleaseCluster(ctx context.Context) error {
	r.mu.Lock()
	c := r.cluster
	r.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.release(ctx)
}

type migSnapshot struct {
	st           *migrate.Status
	unitFailures map[string]int64
	at           time.Time
}

type clusterCollector struct {
	o     ClusterOptions
	insp  *asynq.Inspector
	store *store.Store

	mu      sync.Mutex
	at      time.Time
	leading bool
	cached  []prometheus.Metric
	ids     []string
	idsAt   time.Time
	snaps   map[string]migSnapshot

	// collect gathers the metrics (collectAll; tests count calls).
	collect     func(ctx context.Context) ([]prometheus.Metric, error)
	collections atomic.Int64
}

func newClusterCollector(o ClusterOptions) *clusterCollector {
	if o.CacheTTL <= 0 {
		o.CacheTTL = 15 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		o.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	c := &clusterCollector{o: o, insp: asynq.NewInspectorFromRedisClient(o.Redis), store: store.New(o.Redis), snaps: map[string]migSnapshot{}}
	c.collect = c.collectAll
	return c
}

var clusterDefs = []Def{ClusterLeader, QueueTasks, QueueLatency, QueuePaused, QueueWorkers, QueueProcessed, QueueFailed,
	MigrationState, MigrationRun, MigrationRecords, MigrationDone, MigrationFailed, MigrationRate, MigrationETA, MigrationComplete, DeadLetter}

var clusterDescs = func() map[string]*prometheus.Desc {
	m := map[string]*prometheus.Desc{}
	for _, d := range clusterDefs {
		m[d.Name] = desc(d)
	}
	return m
}()

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range clusterDefs {
		ch <- clusterDescs[d.Name]
	}
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); c.at.IsZero() || now.Sub(c.at) >= c.o.CacheTTL {
		ctx, cancel := context.WithTimeout(context.Background(), c.o.Timeout)
		c.refresh(ctx)
		cancel()
		c.at = now
	}
	leading := 0.0
	if c.leading {
		leading = 1
	}
	ch <- prometheus.MustNewConstMetric(clusterDescs[ClusterLeader.Name], prometheus.GaugeValue, leading)
	for _, m := range c.cached {
		ch <- m
	}
}

// refresh takes or renews the lease and, when this process holds it,
// collects.
func (c *clusterCollector) refresh(ctx context.Context) {
	lead, err := acquireScript.Run(ctx, c.o.Redis, []string{LeaseKey}, c.o.Owner, c.o.Lease.Milliseconds()).Int()
	c.leading, c.cached = err == nil && lead == 1, nil
	if err != nil {
		c.o.Logger.Warn("cluster metrics: taking the lease", zap.Error(err))
		return
	}
	if !c.leading {
		return
	}
	c.collections.Add(1)
	ms, err := c.collect(ctx)
	if err != nil {
		// Stale figures would mislead: export none until Redis answers.
		c.o.Logger.Warn("cluster metrics: collecting", zap.Error(err))
		return
	}
	c.cached = ms
}

func (c *clusterCollector) release(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leading, c.cached, c.at = false, nil, time.Time{}
	return releaseScript.Run(ctx, c.o.Redis, []string{LeaseKey}, c.o.Owner).Err()
}

var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

func (c *clusterCollector) collectAll(ctx context.Context) ([]prometheus.Metric, error) {
	var out []prometheus.Metric
	emit := func(d Def, t prometheus.ValueType, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(clusterDescs[d.Name], t, v, labels...))
	}
	if err := c.queues(emit); err != nil {
		return nil, err
	}
	if err := c.migrations(ctx, emit); err != nil {
		return nil, err
	}
	return out, nil
}

type emitFunc func(d Def, t prometheus.ValueType, v float64, labels ...string)

func (c *clusterCollector) queues(emit emitFunc) error {
	queues, err := c.insp.Queues()
	if err != nil {
		return fmt.Errorf("listing queues: %w", err)
	}
	servers, err := c.insp.Servers()
	if err != nil {
		return fmt.Errorf("listing worker servers: %w", err)
	}
	workers := map[string]int{}
	for _, s := range servers {
		for q := range s.Queues {
			workers[q]++
			if !slices.Contains(queues, q) {
				queues = append(queues, q)
			}
		}
	}
	slices.Sort(queues)
	for _, q := range queues {
		emit(QueueWorkers, prometheus.GaugeValue, float64(workers[q]), q)
		qi, err := c.insp.GetQueueInfo(q)
		if err != nil {
			// A queue a server serves but no task was ever sent to.
			continue
		}
		for _, s := range []struct {
			state string
			n     int
		}{{"pending", qi.Pending}, {"active", qi.Active}, {"scheduled", qi.Scheduled}, {"retry", qi.Retry},
			{"archived", qi.Archived}, {"completed", qi.Completed}, {"aggregating", qi.Aggregating}} {
			emit(QueueTasks, prometheus.GaugeValue, float64(s.n), q, s.state)
		}
		emit(QueueLatency, prometheus.GaugeValue, qi.Latency.Seconds(), q)
		paused := 0.0
		if qi.Paused {
			paused = 1
		}
		emit(QueuePaused, prometheus.GaugeValue, paused, q)
		emit(QueueProcessed, prometheus.CounterValue, float64(qi.ProcessedTotal), q)
		emit(QueueFailed, prometheus.CounterValue, float64(qi.FailedTotal), q)
	}
	return nil
}

// finishedRefresh is how often the progress of a migration that is not
// running is read again (a rerun changes its state, which is read at every
// collection).
const finishedRefresh = 5 * time.Minute

var states = []string{store.StateRunning, store.StateDone, store.StateFailed}

func (c *clusterCollector) migrations(ctx context.Context, emit emitFunc) error {
	if c.o.Status == nil {
		return nil
	}
	ids, err := c.migrationIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		m, err := c.store.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			delete(c.snaps, id)
			continue
		}
		if err != nil {
			return err
		}
		snap, ok := c.snaps[id]
		if !ok || m.State == store.StateRunning || snap.st.Migration.Run != m.Run || snap.st.Migration.State != m.State || time.Since(snap.at) > finishedRefresh {
			if snap, err = c.snapshot(ctx, id); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
			c.snaps[id] = snap
		}
		st := snap.st
		ss := states
		if !slices.Contains(ss, st.Migration.State) {
			ss = append(slices.Clone(ss), st.Migration.State)
		}
		for _, s := range ss {
			v := 0.0
			if s == st.Migration.State {
				v = 1
			}
			emit(MigrationState, prometheus.GaugeValue, v, id, s)
		}
		emit(MigrationRun, prometheus.GaugeValue, float64(st.Migration.Run), id)
		for _, p := range st.Phases {
			emit(MigrationRecords, prometheus.GaugeValue, float64(p.Total), id, p.Phase)
			emit(MigrationDone, prometheus.GaugeValue, float64(p.Done), id, p.Phase)
			emit(MigrationFailed, prometheus.GaugeValue, float64(p.Failed), id, p.Phase)
			emit(MigrationRate, prometheus.GaugeValue, p.Rate, id, p.Phase)
			emit(MigrationETA, prometheus.GaugeValue, p.ETA.Seconds(), id, p.Phase)
			complete := 0.0
			if p.Complete {
				complete = 1
			}
			emit(MigrationComplete, prometheus.GaugeValue, complete, id, p.Phase)
			emit(DeadLetter, prometheus.GaugeValue, float64(p.Failed), id, p.Phase, "record")
			emit(DeadLetter, prometheus.GaugeValue, float64(snap.unitFailures[p.Phase]), id, p.Phase, "unit")
		}
	}
	return nil
}

func (c *clusterCollector) snapshot(ctx context.Context, id string) (migSnapshot, error) {
	st, err := c.o.Status(ctx, id)
	if err != nil {
		return migSnapshot{}, err
	}
	snap := migSnapshot{st: st, unitFailures: map[string]int64{}, at: time.Now()}
	for _, p := range st.Phases {
		n, err := c.store.FailureCount(ctx, id, "unit:"+p.Phase)
		if err != nil {
			return migSnapshot{}, err
		}
		snap.unitFailures[p.Phase] = n
	}
	return snap, nil
}

// idsRefresh is how often the list of migrations is read again.
const idsRefresh = time.Minute

func (c *clusterCollector) migrationIDs(ctx context.Context) ([]string, error) {
	if c.ids != nil && time.Since(c.idsAt) < idsRefresh {
		return c.ids, nil
	}
	list := c.o.Migrations
	if list == nil {
		list = c.scanMigrations
	}
	ids, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing migrations: %w", err)
	}
	slices.Sort(ids)
	c.ids, c.idsAt = slices.Compact(ids), time.Now()
	for id := range c.snaps {
		if !slices.Contains(c.ids, id) {
			delete(c.snaps, id)
		}
	}
	return c.ids, nil
}

// migrationPrefix is the prefix of a migration's record in Redis
// (store.migKey); ids have no colon, the keys beside the record do.
const migrationPrefix = "icm:mig:"

// scanMigrations lists the migration records in Redis.
func (c *clusterCollector) scanMigrations(ctx context.Context) ([]string, error) {
	ids := []string{}
	var cursor uint64
	for {
		keys, next, err := c.o.Redis.Scan(ctx, cursor, migrationPrefix+"*", 1000).Result()
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if id := strings.TrimPrefix(k, migrationPrefix); id != "" && !strings.Contains(id, ":") {
				ids = append(ids, id)
			}
		}
		if cursor = next; cursor == 0 {
			return ids, nil
		}
	}
}
