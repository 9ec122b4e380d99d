package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// conversationRoutes are the destination calls that make conversations.
var conversationRoutes = []string{
	"POST /conversations", "POST /messages", "POST /conversations/{conversation_id}/reply",
	"POST /conversations/{conversation_id}/parts", "PUT /conversations/{conversation_id}",
	"POST /conversations/{conversation_id}/tags",
}

// sourceShape sums, over the source's conversations, 1 + their parts (the
// issue's target of destination calls), and counts those over 500 parts.
func sourceShape(t *testing.T, ctx context.Context, src *intercom.Client) (convs, target, truncated int) {
	t.Helper()
	for c, err := range src.Conversations.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		full, _, err := src.Conversations.Get(ctx, c.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		convs++
		target += 1 + len(full.Parts())
		if full.PartsTruncated() {
			truncated++
		}
	}
	return convs, target, truncated
}

func checkConversations(t *testing.T, ctx context.Context, h *harness, want int) []verify.Result {
	t.Helper()
	rs := compare(t, ctx, h, verify.Conversations, verify.ConversationsTruncated)
	if r := rs[0]; !r.Equal() || r.Source != int64(want) || r.Matched != int64(want) || r.Destination != int64(want) {
		t.Errorf("conversations: %+v", r)
	}
	return rs
}

// hide answers an empty list for the source's conversations or tickets,
// so that a test of one entity does not spend its time on the other.
func hide(entity string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body string
			switch {
			case entity == "conversations" && r.Method == http.MethodGet && r.URL.Path == "/conversations":
				body = `{"type":"conversation.list","conversations":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":10,"total_pages":0}}`
			case entity == "tickets" && r.Method == http.MethodPost && r.URL.Path == "/tickets/search":
				body = `{"type":"ticket.list","tickets":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":20,"total_pages":0}}`
			default:
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		})
	}
}

// TestConversationsEndToEnd migrates a seeded workspace's conversations
// (hundreds, one over 500 parts) with two worker servers on a real Redis,
// compares them field by field, part by part, then runs the migration again
// and checks that the second run writes nothing.
func TestConversationsEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 500, RateLimitPerMinute: 600_000, Entities: conversationKinds}, hide("tickets"), nil)
	h.workers(2, 8)
	src, _ := h.clients()
	convs, target, truncated := sourceShape(t, ctx, src)
	if convs != 250 || truncated < 1 {
		t.Fatalf("seeded %d conversations, %d over 500 parts", convs, truncated)
	}

	st := runClean(t, ctx, h)
	if got := h.dst.Count("conversations"); got != convs {
		t.Fatalf("destination holds %d conversations, source %d", got, convs)
	}
	calls := h.dst.Calls() // before the comparison reads the destination
	rs := checkConversations(t, ctx, h, convs)
	if tr := rs[1]; tr.Source != int64(truncated) || tr.Matched != int64(truncated) || len(tr.Diffs) != truncated {
		t.Errorf("truncated conversations not reported: %+v", tr)
	}
	noted, err := h.e.Store().Notes(ctx, h.id, migrate.NoteConversationsTruncated)
	if err != nil || len(noted) != truncated {
		t.Errorf("note %s: %v %v", migrate.NoteConversationsTruncated, noted, err)
	}

	total, by := routeWrites(calls, conversationRoutes)
	ph := phaseOf(st, migrate.PhaseConversations)
	extra := by["PUT /conversations/{conversation_id}"] + by["POST /conversations/{conversation_id}/tags"]
	t.Logf("destination calls for %d conversations: %d (%.2f a conversation); source target 1+parts = %d (%.2f a conversation); "+
		"creation+parts %d (%.3f of the target: parts the API cannot create are left out, a few end-state steps added); "+
		"attributes %d, tags %d; counters %v; by route %v",
		convs, total, float64(total)/float64(convs), target, float64(target)/float64(convs),
		total-extra, float64(total-extra)/float64(target), by["PUT /conversations/{conversation_id}"],
		by["POST /conversations/{conversation_id}/tags"], ph.Counters, by)
	if total-extra > target {
		t.Errorf("creation and part calls %d exceed the target 1+parts = %d", total-extra, target)
	}
	if n := calls["GET /conversations/{conversation_id}"]; n != 0 {
		t.Errorf("%d destination reads of conversations in a clean run, want 0 (the id map answers)", n)
	}
	if by["POST /conversations"]+by["POST /messages"] != convs {
		t.Errorf("%d creations for %d conversations", by["POST /conversations"]+by["POST /messages"], convs)
	}

	// Again: a new run that writes nothing.
	rerunWritesNothing(t, ctx, h)
	if got := h.dst.Count("conversations"); got != convs {
		t.Errorf("after the rerun the destination holds %d conversations", got)
	}
}

// loseAnswers wraps a destination: every nth matching write is carried
// out but its answer replaced by a 502 (the call happened, the client
// cannot know); every mth matching write fails before anything happens.
type loseAnswers struct {
	match        func(r *http.Request) bool
	n, m         int64
	seen         atomic.Int64
	lost, failed atomic.Int64
}

func (l *loseAnswers) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.match(r) {
			next.ServeHTTP(w, r)
			return
		}
		k := l.seen.Add(1)
		switch {
		case l.m > 0 && k%l.m == 0:
			l.failed.Add(1)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("<html>503</html>"))
		case k%l.n == 0:
			if serveLosingAnswer(next, w, r) {
				l.lost.Add(1)
			}
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func conversationWrite(r *http.Request) bool {
	if r.Method == http.MethodGet || strings.HasSuffix(r.URL.Path, "/search") {
		return false
	}
	return r.URL.Path == "/messages" || strings.HasPrefix(r.URL.Path, "/conversations")
}

// TestConversationsLostAnswers: the destination carries out some creations,
// replies and state changes but loses their answers, and refuses others
// before doing anything. No conversation is created twice and no part is
// appended twice: a retry re-reads the destination conversation and
// compares its parts with the source's before appending, and a creation
// whose answer was lost is found by a search (waiting, when the search may
// not show it yet).
func TestConversationsLostAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	shortSearchLag(t)
	la := &loseAnswers{match: conversationWrite, n: 7, m: 23}
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 300, RateLimitPerMinute: 600_000, Entities: conversationKinds}, hide("tickets"), la.wrap)
	h.workers(2, 6)
	st := runClean(t, ctx, h)
	checkLostOnce(t, h, la, "conversations")
	checkConversations(t, ctx, h, h.src.Count("conversations"))
	ph := phaseOf(st, migrate.PhaseConversations)
	if ph.Counters["reconciled"] == 0 || ph.Counters["adopted"] == 0 || ph.Counters["deferred"] == 0 {
		t.Errorf("the recovery paths did not all run: %v", ph.Counters)
	}
	t.Logf("%d answers lost, %d calls refused; counters %v", la.lost.Load(), la.failed.Load(), ph.Counters)
}

// TestConversationsDivergence: while a reply's answer is lost, someone else
// writes to the same destination conversation. The retry, reading the
// conversation before appending, finds a part the source does not have:
// it records the conversation as failed, with the reason, and appends
// nothing more to it; the other conversations migrate. Then the comparison
// names the fields of copies changed after the migration.
func TestConversationsDivergence(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var target atomic.Value // the destination conversation tampered with
	var replies atomic.Int64
	var fired atomic.Bool // once
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/reply") || replies.Add(1) < 40 || !fired.CompareAndSwap(false, true) {
				next.ServeHTTP(w, r)
				return
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
				return
			}
			target.Store(strings.Split(r.URL.Path, "/")[2])
			// A teammate's note lands before the migration's next part.
			var m map[string]any
			json.Unmarshal(body, &m)
			m["body"], m["created_at"] = "<p>written by someone else</p>", 1
			foreign, _ := json.Marshal(m)
			r2 := httptest.NewRequest(http.MethodPost, r.URL.Path, bytes.NewReader(foreign))
			r2.Header = r.Header.Clone()
			next.ServeHTTP(httptest.NewRecorder(), r2)
			w.WriteHeader(http.StatusBadGateway) // and the migration's answer is lost
		})
	}
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 120, RateLimitPerMinute: 600_000, Entities: conversationKinds}, hide("tickets"), wrap)
	h.workers(2, 4)
	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	fs := failures(t, h)
	if len(fs) != 1 || fs[0].Entity != migrate.PhaseConversations || !strings.Contains(fs[0].Message, "differs from the source") {
		t.Fatalf("failures %+v, want the one diverging conversation", fs)
	}
	dstID, _ := target.Load().(string)
	_, dst := h.clients()
	d, _, err := dst.Conversations.Get(ctx, dstID, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Parts()[len(d.Parts())-1]
	if !strings.Contains(last.Body, "someone else") {
		t.Errorf("parts were appended after the foreign one: last is %s %q", last.PartType, last.Body)
	}
	r := compare(t, ctx, h, verify.Conversations)[0]
	all := h.src.Count("conversations")
	if r.Missing != 1 || r.Matched != int64(all-1) || r.Extra != 1 {
		t.Errorf("after the divergence: %+v", r)
	}

	// Copies changed after the migration are named with their fields.
	ids, err := h.e.Store().MapAll(ctx, h.id, migrate.PhaseConversations)
	if err != nil {
		t.Fatal(err)
	}
	var copies []string
	for _, d := range ids {
		copies = append(copies, d)
	}
	slices.Sort(copies)
	admins, _, _ := dst.Admins.List(ctx)
	if _, _, err := dst.Conversations.Update(ctx, copies[0], &intercom.ConversationUpdate{Title: intercom.Ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := dst.Conversations.Reply(ctx, copies[1], &intercom.ReplyRequest{MessageType: "note", Type: "admin", AdminID: admins[0].ID, Body: "later"}); err != nil {
		t.Fatal(err)
	}
	r = compare(t, ctx, h, verify.Conversations)[0]
	fields := map[string][]string{}
	for _, d := range r.Diffs {
		fields[d.DestID] = d.Fields
	}
	if r.Different != 2 || !slices.Contains(fields[copies[0]], "title") || len(fields[copies[1]]) == 0 || !strings.HasPrefix(fields[copies[1]][0], "parts.count") {
		t.Errorf("tampered copies: %+v", r)
	}
}
