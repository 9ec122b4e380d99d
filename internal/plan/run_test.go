package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/demo"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestEstimateMatchesARealRun plans the move of a seeded workspace, then
// migrates the same workspace for real (the demo: the engine, its workers,
// two sandboxes) and compares the estimate with the calls the sandboxes
// counted. The sample holds every record, so what is left is the cost
// model's own error.
func TestEstimateMatchesARealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a whole migration")
	}
	const contacts, seed = 120, 5
	src, srv := intercomtest.NewServer(t, intercomtest.Options{Contacts: contacts, Seed: seed})
	dst, dsrv := intercomtest.NewServer(t, intercomtest.Options{Region: "eu", Seed: seed, Tokens: []string{"dest"}})
	rep, err := Run(context.Background(), Options{
		Source:            migrate.Side{Region: intercom.US, BaseURL: srv.URL, Tokens: src.Tokens()},
		Dest:              &migrate.Side{Region: intercom.EU, BaseURL: dsrv.URL, Tokens: dst.Tokens()},
		Sample:            intercom.MaxPerPage,
		CustomObjectTypes: src.CustomObjectTypes(), // as the demo names them
	})
	if err != nil {
		t.Fatal(err)
	}
	run, err := demo.Run(context.Background(), demo.Options{Contacts: contacts, Seed: seed, Workers: 2, Concurrency: 8, RateLimitPerMinute: 600000})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(calls map[string]int, keep func(method, path string) bool) (n int64) {
		for route, c := range calls {
			method, path, _ := strings.Cut(route, " ")
			if keep(method, path) {
				n += int64(c)
			}
		}
		return n
	}
	writes := func(m, p string) bool { return throttle.IsWrite(m, p) }
	actualWrites := sum(run.DestCalls, writes)
	actualReads := sum(run.SourceCalls, func(string, string) bool { return true })
	var estWrites, estReads int64
	for _, e := range rep.Entities {
		estWrites += e.DestWrites
		estReads += e.SourceCalls
	}
	// Within 2%: a few calls of the engine's own checks and retries of
	// lost answers are not modelled.
	for _, tc := range []struct {
		what      string
		est, real int64
	}{{"destination writes", estWrites, actualWrites}, {"source reads", estReads, actualReads}} {
		if tc.real == 0 || float64(abs(tc.est-tc.real)) > 0.02*float64(tc.real) {
			t.Errorf("%s: estimated %d, the run made %d", tc.what, tc.est, tc.real)
		}
	}
	// Conversations: the engine's own plan of each, exactly.
	convWrites := sum(run.DestCalls, func(m, p string) bool {
		return writes(m, p) && (strings.HasPrefix(p, "/conversations") || p == "/messages")
	})
	if e := entity(t, rep, "conversations"); e.DestWrites != convWrites {
		t.Errorf("conversations: estimated %d writes, the run made %d", e.DestWrites, convWrites)
	}
	t.Logf("estimated %d writes and %d source reads; the run made %d and %d", estWrites, estReads, actualWrites, actualReads)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
