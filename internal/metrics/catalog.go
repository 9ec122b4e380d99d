// Package metrics exports icmigrate's Prometheus metrics: what the workers
// do (units, records, API calls), what the rate limiter does, and where the
// migrations and the queues stand; and serves them with /healthz and
// /readyz.
//
// Every metric is declared once, in the catalogue below, from which the
// collectors are built: tests list the catalogue to check the Grafana
// dashboard's queries, and the README's table is written from it. Label
// values are bounded: migration ids (chosen by the operator), entity (phase)
// names, sides, regions, route templates of the API (never ids), queue
// names, workspace ids; never record ids, emails or names.
package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is a metric's Prometheus type.
type Kind string

// Metric kinds.
const (
	Counter   Kind = "counter"
	Gauge     Kind = "gauge"
	Histogram Kind = "histogram"
)

// Scope says which processes export a metric.
type Scope string

// Scopes.
const (
	// ScopeProcess: every process that serves /metrics.
	ScopeProcess Scope = "process"
	// ScopeWorker: processes that run units (workers, the demo).
	ScopeWorker Scope = "worker"
	// ScopeLimiter: processes whose rate limiter is plugged in
	// (Registry.SetLimiterSource).
	ScopeLimiter Scope = "limiter"
	// ScopeCluster: one process at a time, the holder of a Redis lease,
	// from a cache refreshed at most once per CacheTTL (cluster.go).
	ScopeCluster Scope = "cluster"
)

// Def declares one metric.
type Def struct {
	Name   string
	Kind   Kind
	Help   string
	Labels []string
	Scope  Scope
}

func def(name string, kind Kind, scope Scope, help string, labels ...string) Def {
	return Def{Name: name, Kind: kind, Help: help, Labels: labels, Scope: scope}
}

// The catalogue.
var (
	BuildInfo = def("icmigrate_build_info", Gauge, ScopeProcess,
		"Always 1: the version and command of this process.", "version", "command")

	TasksTotal = def("icmigrate_tasks_total", Counter, ScopeWorker,
		"Runs of units of work (asynq tasks), by how they ended: success, retry, rate_limited (back to the queue until the window resets, no retry spent), dead (failed for good, in the dead-letter list).",
		"migration", "entity", "outcome")
	TaskDuration = def("icmigrate_task_duration_seconds", Histogram, ScopeWorker,
		"Time a run of a unit took, by how it ended.", "migration", "entity", "outcome")
	TasksInFlight = def("icmigrate_worker_tasks_in_flight", Gauge, ScopeWorker,
		"Units this process is running now.")
	WorkerConcurrency = def("icmigrate_worker_concurrency", Gauge, ScopeWorker,
		"Units this process runs at most at once (--concurrency).")
	RecordsTotal = def("icmigrate_records_total", Counter, ScopeWorker,
		"Records handled by units, by result (created, updated, adopted, skipped, failed, applied, matched, unmatched); a retried unit counts again.",
		"migration", "entity", "result")

	APIRequests = def("icmigrate_api_requests_total", Counter, ScopeWorker,
		"HTTP calls sent to Intercom, by side (source, destination), region, method, endpoint (route template: ids are {id}) and status class (2xx..5xx, or error when no answer came).",
		"side", "region", "method", "endpoint", "status_class")
	APIDuration = def("icmigrate_api_request_duration_seconds", Histogram, ScopeWorker,
		"Time Intercom took to answer a call.", "side", "region")
	APIRateLimited = def("icmigrate_api_rate_limited_total", Counter, ScopeWorker,
		"429 answers from Intercom (also counted in icmigrate_api_requests_total).", "side", "region")

	LimiterPermits = def("icmigrate_limiter_permits_total", Counter, ScopeLimiter,
		"Permits the rate limiter granted (calls allowed to go out).", "side", "workspace")
	LimiterWaits = def("icmigrate_limiter_waits_total", Counter, ScopeLimiter,
		"Requests that waited for a rate-limit window to end or a pause to be over.", "side", "workspace")
	LimiterWaitSeconds = def("icmigrate_limiter_wait_seconds_total", Counter, ScopeLimiter,
		"Total time requests waited for the rate limiter.", "side", "workspace")
	LimiterPauses = def("icmigrate_limiter_pauses_total", Counter, ScopeLimiter,
		"Requests refused because the wait was longer than the limiter waits in place: their unit went back to the queue.", "side", "workspace")
	LimiterRateLimited = def("icmigrate_limiter_rate_limited_total", Counter, ScopeLimiter,
		"429 answers the rate limiter saw (each pauses the window for every process).", "side", "workspace")
	LimiterWindowLimit = def("icmigrate_limiter_window_limit", Gauge, ScopeLimiter,
		"Calls the workspace allows per 10-second window, as Intercom last said (X-RateLimit-Limit, summed over the apps); 0 while unknown.", "side", "workspace")
	LimiterRoundTrips = def("icmigrate_limiter_redis_round_trips_total", Counter, ScopeLimiter,
		"Calls of the rate limiter to Redis.", "side", "workspace")
	LimiterErrors = def("icmigrate_limiter_redis_errors_total", Counter, ScopeLimiter,
		"Calls of the rate limiter to Redis that failed.", "side", "workspace")

	ClusterLeader = def("icmigrate_cluster_collector_leader", Gauge, ScopeProcess,
		"1 when this process holds the lease to export the cluster metrics (queues, migrations), else 0.")

	QueueTasks = def("icmigrate_queue_tasks", Gauge, ScopeCluster,
		"Tasks in an asynq queue, by state (pending, active, scheduled, retry, archived, completed, aggregating).", "queue", "state")
	QueueLatency = def("icmigrate_queue_latency_seconds", Gauge, ScopeCluster,
		"Age of the oldest pending task of the queue.", "queue")
	QueuePaused = def("icmigrate_queue_paused", Gauge, ScopeCluster,
		"1 when the queue is paused.", "queue")
	QueueWorkers = def("icmigrate_queue_workers", Gauge, ScopeCluster,
		"Worker processes serving the queue, from their asynq heartbeats.", "queue")
	QueueProcessed = def("icmigrate_queue_processed_total", Counter, ScopeCluster,
		"Tasks of the queue processed, failed or not, as asynq counts them.", "queue")
	QueueFailed = def("icmigrate_queue_failed_total", Counter, ScopeCluster,
		"Task runs of the queue that failed, as asynq counts them.", "queue")

	MigrationState = def("icmigrate_migration_state", Gauge, ScopeCluster,
		"1 for the migration's current state (running, done, failed), 0 for the others.", "migration", "state")
	MigrationRun = def("icmigrate_migration_run", Gauge, ScopeCluster,
		"The migration's current run (a rerun or requeue starts a new one).", "migration")
	MigrationRecords = def("icmigrate_migration_records", Gauge, ScopeCluster,
		"Records of the entity at the source, once the phase has counted them.", "migration", "entity")
	MigrationDone = def("icmigrate_migration_records_done", Gauge, ScopeCluster,
		"Records of the entity migrated (in the id map), over every run.", "migration", "entity")
	MigrationFailed = def("icmigrate_migration_records_failed", Gauge, ScopeCluster,
		"Records of the entity Intercom refused for good (in the dead-letter list).", "migration", "entity")
	MigrationRate = def("icmigrate_migration_records_per_second", Gauge, ScopeCluster,
		"Records of the entity the current run handled per second since it started.", "migration", "entity")
	MigrationETA = def("icmigrate_migration_eta_seconds", Gauge, ScopeCluster,
		"Time the records not reached yet will take at the run's rate (0 when complete or unknown).", "migration", "entity")
	MigrationComplete = def("icmigrate_migration_phase_complete", Gauge, ScopeCluster,
		"1 when the entity's phase of the current run is complete.", "migration", "entity")
	DeadLetter = def("icmigrate_dead_letter_entries", Gauge, ScopeCluster,
		"Entries of the migration's dead-letter list (scheduler failures): records refused (kind=record) and units that ran out of retries (kind=unit).",
		"migration", "entity", "kind")
)

// Catalog lists every metric icmigrate exports (the Go and process
// collectors' go_* and process_* aside), by name.
func Catalog() []Def {
	defs := []Def{
		BuildInfo,
		TasksTotal, TaskDuration, TasksInFlight, WorkerConcurrency, RecordsTotal,
		APIRequests, APIDuration, APIRateLimited,
		LimiterPermits, LimiterWaits, LimiterWaitSeconds, LimiterPauses, LimiterRateLimited, LimiterWindowLimit, LimiterRoundTrips, LimiterErrors,
		ClusterLeader,
		QueueTasks, QueueLatency, QueuePaused, QueueWorkers, QueueProcessed, QueueFailed,
		MigrationState, MigrationRun, MigrationRecords, MigrationDone, MigrationFailed, MigrationRate, MigrationETA, MigrationComplete, DeadLetter,
	}
	slices.SortFunc(defs, func(a, b Def) int { return strings.Compare(a.Name, b.Name) })
	return defs
}

// Lookup finds a series name of the catalogue: a metric's name, or for a
// histogram its _bucket, _sum and _count series (the bucket's extra label
// is "le").
func Lookup(series string) (Def, bool) {
	for _, d := range Catalog() {
		if d.Name == series {
			return d, true
		}
		if d.Kind == Histogram {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				if d.Name+s == series {
					return d, true
				}
			}
		}
	}
	return Def{}, false
}

// MarkdownTable is the catalogue as a Markdown table (the README's).
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| metric | type | labels | exported by | meaning |\n| --- | --- | --- | --- | --- |\n")
	for _, d := range Catalog() {
		labels := make([]string, len(d.Labels))
		for i, l := range d.Labels {
			labels[i] = "`" + l + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.Name, d.Kind, strings.Join(labels, ", "), d.Scope, d.Help)
	}
	return b.String()
}
