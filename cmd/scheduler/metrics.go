package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/metrics"
	"github.com/icmigrate/icmigrate/internal/migrate"
)

const metricsAddrUsage = "address serving /metrics, /healthz and /readyz while the command runs, e.g. :9090 (\"\": none)"

// serveMetrics serves the scheduler's metrics on addr ("" serves none):
// the queues' and the migrations' (when this process holds their lease,
// see metrics.ClusterOptions) and the process's own. stop ends it.
func serveMetrics(addr string, reg *metrics.Registry, rdb redis.UniversalClient, e *migrate.Engine, log *zap.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	// The engine's rate limiters (the calls Start makes, and the demo's
	// workers'), read at each scrape.
	reg.SetLimiterSource(metrics.FromThrottle(e.RateLimitStats))
	reg.WatchCluster(metrics.ClusterOptions{Redis: rdb, Status: e.Status, Logger: log, CacheTTL: 5 * time.Second})
	srv, err := metrics.Serve(addr, reg, metrics.RedisReady(rdb), log)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %v", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		reg.ReleaseCluster(ctx)
		srv.Close(ctx)
	}, nil
}
