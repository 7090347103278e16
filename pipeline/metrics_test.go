package pipeline

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/communique-news/communique"
)

// metricValue is the value of the counter, gauge or histogram count named
// name with the label label=value, from reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					switch {
					case m.GetCounter() != nil:
						return m.GetCounter().GetValue()
					case m.GetGauge() != nil:
						return m.GetGauge().GetValue()
					case m.GetHistogram() != nil:
						return float64(m.GetHistogram().GetSampleCount())
					}
				}
			}
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	reg := prometheus.NewRegistry()
	e.p.Metrics = NewMetrics(reg)
	items := feedItems(o, 0, 1, e.clock.Now())
	o.article("/news/0", "Gov", items[0].Title, items[0].Published, 900)
	o.set("/feed.xml", "application/rss+xml", rss("", "", items...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	found, src := e.mustPoll(src)
	e.ingest(src, found[0].Item)
	e.ingest(src, found[0].Item)
	o.status("/feed.xml", 500)
	e.poll(src)

	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"communique_polls_total", "outcome", "ok", 1},
		{"communique_polls_total", "outcome", "status", 1},
		{"communique_releases_ingested_total", "result", "new", 1},
		{"communique_releases_ingested_total", "result", "unchanged", 1},
		{"communique_stage_duration_seconds", "stage", "fetch", 2},
		{"communique_stage_duration_seconds", "stage", "extract", 2},
		{"communique_stage_duration_seconds", "stage", "store", 2},
	} {
		if got := metricValue(t, reg, c.name, c.label, c.value); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.label, c.value, got, c.want)
		}
	}

	// The queue's collector reports jobs by state.
	q, _ := e.openQueue(QueueOptions{})
	reg.MustRegister(q.Collector())
	if err := q.PollNow(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if got := metricValue(t, reg, "communique_queue_jobs", "state", "available"); got != 1 {
		t.Errorf("communique_queue_jobs{state=available} = %v, want 1", got)
	}
	if got := metricValue(t, reg, "communique_queue_depth", "queue", QueuePoll); got != 1 {
		t.Errorf("communique_queue_depth{queue=poll} = %v, want 1", got)
	}
}
