package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/version"
)

// Registry holds a process's metrics. It implements migrate.Observer: pass
// it as migrate.Options.Observer.
type Registry struct {
	prom *prometheus.Registry

	tasks       *prometheus.CounterVec
	taskSeconds *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	concurrency prometheus.Gauge
	records     *prometheus.CounterVec

	apiRequests *prometheus.CounterVec
	apiSeconds  *prometheus.HistogramVec
	api429      *prometheus.CounterVec
	endpoints   *endpointSet

	limiter *limiterCollector

	mu      sync.Mutex
	cluster *clusterCollector
}

var _ migrate.Observer = (*Registry)(nil)

func counterVec(d Def) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: d.Name, Help: d.Help}, d.Labels)
}

func gauge(d Def) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: d.Name, Help: d.Help})
}

func desc(d Def) *prometheus.Desc { return prometheus.NewDesc(d.Name, d.Help, d.Labels, nil) }

// New builds the registry of a process; command ("worker", "scheduler")
// labels icmigrate_build_info.
func New(command string) *Registry {
	r := &Registry{
		prom:  prometheus.NewRegistry(),
		tasks: counterVec(TasksTotal),
		taskSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: TaskDuration.Name, Help: TaskDuration.Help,
			// A unit is a page of 150 records or a tag: from milliseconds
			// (nothing to do) to minutes (rate-limit waits).
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900}}, TaskDuration.Labels),
		inFlight:    gauge(TasksInFlight),
		concurrency: gauge(WorkerConcurrency),
		records:     counterVec(RecordsTotal),
		apiRequests: counterVec(APIRequests),
		apiSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: APIDuration.Name, Help: APIDuration.Help,
			Buckets: []float64{0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 30}}, APIDuration.Labels),
		api429:    counterVec(APIRateLimited),
		endpoints: newEndpointSet(maxEndpoints),
		limiter:   &limiterCollector{},
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: BuildInfo.Name, Help: BuildInfo.Help}, BuildInfo.Labels)
	build.WithLabelValues(version.Version, command).Set(1)
	r.prom.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build,
		r.tasks, r.taskSeconds, r.inFlight, r.concurrency, r.records,
		r.apiRequests, r.apiSeconds, r.api429,
		r.limiter,
	)
	return r
}

// Prometheus is the underlying registry.
func (r *Registry) Prometheus() *prometheus.Registry { return r.prom }

// Handler serves the metrics in Prometheus's exposition formats.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.prom, promhttp.HandlerOpts{Registry: r.prom, EnableOpenMetrics: true, MaxRequestsInFlight: 4, Timeout: 20 * time.Second})
}

// SetConcurrency records the worker's --concurrency.
func (r *Registry) SetConcurrency(n int) { r.concurrency.Set(float64(n)) }

// UnitStarted implements migrate.Observer.
func (r *Registry) UnitStarted(migration, phase string) { r.inFlight.Inc() }

// UnitDone implements migrate.Observer.
func (r *Registry) UnitDone(migration, phase string, outcome migrate.Outcome, d time.Duration) {
	r.inFlight.Dec()
	r.tasks.WithLabelValues(migration, phase, string(outcome)).Inc()
	r.taskSeconds.WithLabelValues(migration, phase, string(outcome)).Observe(d.Seconds())
}

// Records implements migrate.Observer.
func (r *Registry) Records(migration, phase string, byResult map[string]int64) {
	for result, n := range byResult {
		r.records.WithLabelValues(migration, phase, result).Add(float64(n))
	}
}

// Transport implements migrate.Observer: it counts the calls of one side.
func (r *Registry) Transport(base http.RoundTripper, side, region string) http.RoundTripper {
	return r.APITransport(base, side, region)
}
