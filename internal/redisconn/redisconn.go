// Package redisconn opens the Redis that holds icmigrate's queues and state,
// with errors that name the address.
package redisconn

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is used when neither a flag nor REDIS_URL names one.
const DefaultURL = "redis://127.0.0.1:6379"

// URLFromEnv is REDIS_URL, or DefaultURL.
func URLFromEnv() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Open parses a redis:// or rediss:// URL and checks that the server
// answers. The error names the address, never the password.
func Open(ctx context.Context, url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL %q: %v (want redis://[:password@]host:port[/db])", redact(url), err)
	}
	// asynq's blocking reads and our scripts need more than the default
	// pool on a busy worker.
	opt.PoolSize = max(opt.PoolSize, 64)
	// The first contact is tried once: an operator who named the wrong
	// address wants to hear it now, not after the client's retries.
	probeOpt := *opt
	probeOpt.MaxRetries = -1
	probe := redis.NewClient(&probeOpt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = probe.Ping(pctx).Err()
	probe.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot reach Redis at %s: %v", opt.Addr, err)
	}
	return redis.NewClient(opt), nil
}

// go-redis logs its own reconnection attempts to stderr; the caller reports
// what matters, with the address, through its own logger.
func init() { redis.SetLogger(quietLogger{}) }

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// redact hides a password in a URL that failed to parse.
func redact(url string) string {
	for i := 0; i+3 <= len(url); i++ {
		if url[i:i+3] == "://" {
			rest := url[i+3:]
			for j := 0; j < len(rest); j++ {
				if rest[j] == '@' {
					return url[:i+3] + "***" + rest[j:]
				}
				if rest[j] == '/' {
					break
				}
			}
			break
		}
	}
	return url
}
