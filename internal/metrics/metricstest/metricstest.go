// Package metricstest reads a /metrics endpoint for tests: the families
// parsed, and their samples summed or listed by label.
package metricstest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape is a /metrics answer, parsed: the metric families by name.
type Scrape map[string]*dto.MetricFamily

// Get scrapes http://addr/metrics.
func Get(addr string) (Scrape, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	return Parse(resp.Body)
}

// Parse reads Prometheus's text format.
func Parse(r io.Reader) (Scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing /metrics: %w", err)
	}
	return fams, nil
}

// Values are the samples of a metric whose labels include want, by their
// full label set (printed as a map); a histogram's value is its count.
func (s Scrape) Values(name string, want map[string]string) map[string]float64 {
	out := map[string]float64{}
	f, ok := s[name]
	if !ok {
		return out
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		var v float64
		switch {
		case m.Counter != nil:
			v = m.Counter.GetValue()
		case m.Gauge != nil:
			v = m.Gauge.GetValue()
		case m.Histogram != nil:
			v = float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			v = m.Untyped.GetValue()
		}
		out[fmt.Sprint(labels)] = v
	}
	return out
}

// Sum adds the samples of a metric whose labels include want.
func (s Scrape) Sum(name string, want map[string]string) float64 {
	var n float64
	for _, v := range s.Values(name, want) {
		n += v
	}
	return n
}

// LabelValues are the values of a label over a metric's samples.
func (s Scrape) LabelValues(name, label string) []string {
	var out []string
	if f, ok := s[name]; ok {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() == label {
					out = append(out, l.GetValue())
				}
			}
		}
	}
	return out
}

// FreeAddr is a local address nothing listens on, for a --metrics-addr.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
