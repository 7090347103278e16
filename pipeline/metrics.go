package pipeline

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/communique-news/communique/fetch"
)

// Metrics are the pipeline's Prometheus collectors. A nil *Metrics records
// nothing, so tests and tools need not make one.
type Metrics struct {
	fetches      *prometheus.CounterVec
	fetchSeconds prometheus.Histogram
	polls        *prometheus.CounterVec
	ingested     *prometheus.CounterVec
	stages       *prometheus.HistogramVec
	stageTotal   sync.Map // stage name → *atomic.Int64 nanoseconds, for `bench ingest`
}

// NewMetrics makes the collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "communique_fetches_total", Help: "HTTP fetches by outcome (ok, not_modified, or the error kind).",
		}, []string{"outcome"}),
		fetchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "communique_fetch_duration_seconds", Help: "Time of HTTP fetches, body included.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "communique_polls_total", Help: "Source polls by outcome (ok or error).",
		}, []string{"outcome"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "communique_releases_ingested_total", Help: "Items ingested by result (new, copy, revision, unchanged, repointed).",
		}, []string{"result"}),
	}
	m.stages = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "communique_stage_duration_seconds", Help: "Time spent in each pipeline stage per item.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 3, 10),
	}, []string{"stage"})
	reg.MustRegister(m.fetches, m.fetchSeconds, m.polls, m.ingested, m.stages)
	return m
}

// ObserveFetch is the fetch client's Observe hook.
func (m *Metrics) ObserveFetch(o fetch.Observation) {
	if m == nil {
		return
	}
	m.fetches.WithLabelValues(o.Outcome).Inc()
	m.fetchSeconds.Observe(o.Duration.Seconds())
}

func (m *Metrics) poll(err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
		var fe *fetch.Error
		if errors.As(err, &fe) {
			outcome = string(fe.Kind)
		}
	}
	m.polls.WithLabelValues(outcome).Inc()
}

func (m *Metrics) ingest(o Outcome) {
	if m == nil {
		return
	}
	m.ingested.WithLabelValues(string(o)).Inc()
}

// queueCollector reports the jobs per state, and the waiting and running
// jobs per queue (one queue per kind of job: default for the scheduler,
// poll, ingest), at each scrape.
type queueCollector struct {
	q     *Queue
	desc  *prometheus.Desc
	depth *prometheus.Desc
}

// Collector is a Prometheus collector of the queue's depth.
func (q *Queue) Collector() prometheus.Collector {
	return &queueCollector{q: q,
		desc:  prometheus.NewDesc("communique_queue_jobs", "Jobs in the queue by state.", []string{"state"}, nil),
		depth: prometheus.NewDesc("communique_queue_depth", "Jobs waiting (available) or running, by queue (default runs the scheduler; poll; ingest).", []string{"queue", "state"}, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc; ch <- c.depth }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.q.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
	queues, err := c.q.byQueue(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	for _, qc := range queues {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(qc.CountAvailable), qc.Queue, "available")
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(qc.CountRunning), qc.Queue, "running")
	}
}

// stage records the time one item spent in a stage, from start until now.
func (m *Metrics) stage(name string, start time.Time) {
	if m == nil {
		return
	}
	d := time.Since(start)
	m.stages.WithLabelValues(name).Observe(d.Seconds())
	v, _ := m.stageTotal.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(int64(d))
}

// StageTotals is the total time spent in each stage since start.
func (m *Metrics) StageTotals() map[string]time.Duration {
	out := map[string]time.Duration{}
	if m == nil {
		return out
	}
	m.stageTotal.Range(func(k, v any) bool {
		out[k.(string)] = time.Duration(v.(*atomic.Int64).Load())
		return true
	})
	return out
}
