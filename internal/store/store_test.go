package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return New(rdb)
}

func TestMigrationRecord(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.Get(ctx, "m1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing = %v", err)
	}
	m := &Migration{ID: "m1", Run: 1, State: StateRunning, Source: Endpoint{Region: "us", AppID: "a", Tokens: []string{"fp"}}}
	if err := s.Put(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail(ctx, "m1", "first reason"); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail(ctx, "m1", "second reason"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateFailed || got.Error != "first reason" || got.Source.AppID != "a" {
		t.Fatalf("got %+v", got)
	}
}

func TestUpdateConcurrent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Put(ctx, &Migration{ID: "m", Run: 0}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Update(ctx, "m", func(m *Migration) error { m.Run++; return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	m, _ := s.Get(ctx, "m")
	if m.Run != 20 {
		t.Fatalf("run = %d, want 20 (lost updates)", m.Run)
	}
}

func TestUnits(t *testing.T) {
	ctx := context.Background()
	type step struct {
		op           string // spawn, finish, seal-finish
		unit         string
		wantSpawn    bool
		wantComplete bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"single root seals", []step{
			{op: "spawn", unit: "root", wantSpawn: true},
			{op: "seal-finish", unit: "root", wantComplete: true},
		}},
		{"chain completes only at the sealing page", []step{
			{op: "spawn", unit: "page:0", wantSpawn: true},
			{op: "spawn", unit: "page:1", wantSpawn: true},
			{op: "finish", unit: "page:0"},
			{op: "spawn", unit: "page:2", wantSpawn: true},
			{op: "seal-finish", unit: "page:2"}, // last page done before page 1
			{op: "finish", unit: "page:1", wantComplete: true},
		}},
		{"a done unit is not spawned again", []step{
			{op: "spawn", unit: "root", wantSpawn: true},
			{op: "spawn", unit: "tag:1", wantSpawn: true},
			{op: "seal-finish", unit: "root"},
			{op: "finish", unit: "tag:1", wantComplete: true},
			{op: "spawn", unit: "tag:1", wantSpawn: false},
			{op: "finish", unit: "tag:1", wantComplete: true}, // re-run after a crash: still complete
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			for i, st := range tc.steps {
				switch st.op {
				case "spawn":
					ok, err := s.Spawn(ctx, "m", 1, "contacts", st.unit, []byte(st.unit))
					if err != nil || ok != st.wantSpawn {
						t.Fatalf("step %d spawn %s = %v, %v", i, st.unit, ok, err)
					}
				default:
					done, err := s.Finish(ctx, "m", 1, "contacts", st.unit, st.op == "seal-finish")
					if err != nil || done != st.wantComplete {
						t.Fatalf("step %d finish %s = %v, %v; want %v", i, st.unit, done, err, st.wantComplete)
					}
				}
			}
		})
	}
}

func TestPendingAndProgress(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, u := range []string{"page:0", "page:1", "page:2"} {
		if _, err := s.Spawn(ctx, "m", 1, "contacts", u, []byte("payload-"+u)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Finish(ctx, "m", 1, "contacts", "page:1", false); err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx, "m", 1, "contacts")
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || string(pending[0]) != "payload-page:0" || string(pending[1]) != "payload-page:2" {
		t.Fatalf("pending = %q", pending)
	}
	if err := s.Count(ctx, "m", 1, "contacts", map[string]int64{"created": 3, "skipped": 0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStat(ctx, "m", 1, "contacts", "total", 450); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Progress(ctx, &Migration{ID: "m", Run: 1, Phases: []string{"tags", "contacts"}})
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].Units != 0 || ps[1].Units != 3 || ps[1].Done != 1 || ps[1].Sealed || ps[1].Complete() {
		t.Fatalf("progress = %+v", ps)
	}
	if ps[1].Stats["created"] != 3 || ps[1].Stats["total"] != 450 {
		t.Fatalf("stats = %v", ps[1].Stats)
	}
	if _, ok := ps[1].Stats["skipped"]; ok {
		t.Fatal("zero delta was written")
	}
}

func TestMapRecordAndTagMembers(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.RecordFailure(ctx, "m", Failure{Entity: "contacts", SourceID: "s7", Status: 400, Message: "bad"}); err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		tags := []string{"t1"}
		if i%2 == 0 {
			tags = append(tags, "t2")
		}
		if err := s.MapRecord(ctx, "m", "contacts", Mapped{SrcID: fmt.Sprintf("s%d", i), DstID: fmt.Sprintf("d%d", i), SrcTagIDs: tags}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.MapGet(ctx, "m", "contacts", []string{"s3", "nope", "s119"})
	if err != nil || got[0] != "d3" || got[1] != "" || got[2] != "d119" {
		t.Fatalf("MapGet = %v, %v", got, err)
	}
	if n, _ := s.FailureCount(ctx, "m", "contacts"); n != 0 {
		t.Fatalf("failure of a record that then migrated was kept (%d)", n)
	}
	// Mark some of t1 done; the rest comes in batches of at most 50.
	if err := s.TagDone(ctx, "m", "t1", []string{"d0", "d1", "d2"}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var sizes []int
	err = s.TagMembers(ctx, "m", "t1", 50, func(ids []string) error {
		sizes = append(sizes, len(ids))
		seen = append(seen, ids...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(seen)
	if len(seen) != 117 {
		t.Fatalf("members = %d, want 117 (120 minus 3 done)", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] == seen[i-1] {
			t.Fatalf("member %s given twice", seen[i])
		}
	}
	for _, n := range sizes {
		if n > 50 || n == 0 {
			t.Fatalf("batch sizes %v", sizes)
		}
	}
	tagged, done, err := s.TagProgress(ctx, "m", []string{"t1", "t2"})
	if err != nil || tagged != 180 || done != 3 {
		t.Fatalf("TagProgress = %d, %d, %v; want 180 tagged (120 + 60), 3 done", tagged, done, err)
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, id := range []string{"b", "a"} {
		if err := s.RecordFailure(ctx, "m", Failure{Entity: "contacts", SourceID: id, Status: 422, Code: "parameter_invalid", Message: "bad " + id}); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.Failures(ctx, "m", "contacts")
	if err != nil || len(fs) != 2 || fs[0].SourceID != "a" || fs[1].Message != "bad b" {
		t.Fatalf("failures = %+v, %v", fs, err)
	}
	if err := s.ClearFailures(ctx, "m", "contacts", "a"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.FailureCount(ctx, "m", "contacts"); n != 1 {
		t.Fatalf("count = %d", n)
	}
}
