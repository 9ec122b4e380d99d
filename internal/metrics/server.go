package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Server serves /metrics, /healthz (the process answers: liveness) and
// /readyz (its dependencies answer: readiness) on one address.
type Server struct {
	srv      *http.Server
	ln       net.Listener
	ready    func(ctx context.Context) error
	stopping atomic.Bool
	done     chan struct{}
}

// RedisReady is a readiness check: Redis answers PING.
func RedisReady(rdb redis.UniversalClient) func(ctx context.Context) error {
	return func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
}

// Serve listens on addr (":9090", "127.0.0.1:0") and serves r's metrics
// and the probes until Close. ready is the readiness check (nil: always
// ready); it gets two seconds.
func Serve(addr string, r *Registry, ready func(ctx context.Context) error, log *zap.Logger) (*Server, error) {
	if log == nil {
		log = zap.NewNop()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, ready: ready, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: zap.NewStdLog(log.Named("metrics"))}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", zap.Error(err))
		}
	}()
	return s, nil
}

func (s *Server) readyz(w http.ResponseWriter, req *http.Request) {
	if s.stopping.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ok\n"))
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// ShuttingDown makes /readyz answer 503 from now on (metrics and /healthz
// go on until Close).
func (s *Server) ShuttingDown() { s.stopping.Store(true) }

// Close stops the server, letting requests in progress end until ctx is
// done.
func (s *Server) Close(ctx context.Context) error {
	s.stopping.Store(true)
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}
