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
	rdb := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %v", opt.Addr, err)
	}
	return rdb, nil
}

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
