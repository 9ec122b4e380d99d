package migrate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"
)

// Fairness between migrations that share a worker fleet.
//
// A migration's units go to the queue it was started on (`scheduler migrate
// --queue`, recorded in the migration); a worker may serve several queues
// (WorkerOptions.Queues, `worker --queue a,b=4`), and it serves each with
// slots of its own: one asynq server per queue. Two migrations started on
// two queues then each have their slots on every worker, whatever the other
// does.
//
// Why not asynq's weighted queues in one server (Config.Queues with
// priorities): a weight only chooses which queue a free slot takes its next
// task from. A unit holds its slot for a page of up to 150 records written
// at the destination's rate limit, seconds to minutes, and a paged phase
// reads ahead (each page enqueues the next before writing), so a large
// migration soon holds every slot of a shared pool and a small one waits
// for one of them to free, at every one of its units. With a pool per
// queue, the large one holds only its own. Slots are cheap (a unit mostly
// waits for Intercom or the limiter; the rate limits, not the slots, bound
// the speed), so a pool that sits idle costs little.

// queueSlots is a queue a worker serves and its slots.
type queueSlots struct {
	name  string
	slots int
}

// servedQueues lists the queues of WorkerOptions.Queues, or def alone, with
// their slots (0 or less: slots), in a stable order.
func servedQueues(def string, queues map[string]int, slots int) []queueSlots {
	if len(queues) == 0 {
		return []queueSlots{{def, slots}}
	}
	var out []queueSlots
	for _, name := range slices.Sorted(maps.Keys(queues)) {
		n := queues[name]
		if n <= 0 {
			n = slots
		}
		out = append(out, queueSlots{name, n})
	}
	return out
}

// queueFor is the queue a unit enqueued under ctx goes to: the queue of the
// task being run when there is one, so that a migration's units stay on
// the queue it was started on when its worker serves several queues;
// otherwise (the scheduler starting or resuming a run) this engine's queue,
// which Start checked against the migration's.
func (e *Engine) queueFor(ctx context.Context) string {
	if q, ok := asynq.GetQueueName(ctx); ok && q != "" {
		return q
	}
	return e.opts.Queue
}

// ParseQueues reads a worker's --queue: queue names separated by commas,
// each optionally followed by =N, the number of its units the worker runs
// at once (0 when not given: the worker's --concurrency). The first name
// is returned apart: the queue of the worker's engine. Names are not
// checked here beyond being non-empty and distinct.
func ParseQueues(spec string) (first string, queues map[string]int, err error) {
	queues = map[string]int{}
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		name, n, hasN := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if name == "" {
			return "", nil, fmt.Errorf("%q: an empty queue name", spec)
		}
		slots := 0
		if hasN {
			slots, err = strconv.Atoi(strings.TrimSpace(n))
			if err != nil || slots < 1 {
				return "", nil, fmt.Errorf("%q: queue %s: want a number of slots of at least 1 after '=', not %q", spec, name, n)
			}
		}
		if _, dup := queues[name]; dup {
			return "", nil, fmt.Errorf("%q: queue %s listed twice", spec, name)
		}
		queues[name] = slots
		if first == "" {
			first = name
		}
	}
	return first, queues, nil
}
