package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/fetch"
)

// The jobs. Each is small and idempotent: running one twice (after a crash,
// or when two workers race) stores nothing twice, because items and
// releases are unique in the store and jobs are unique in the queue.

// ScheduleArgs is the periodic job that enqueues a poll for every due source.
// River runs periodic jobs on its elected leader only, so exactly one process
// schedules, whichever processes are alive.
type ScheduleArgs struct{}

func (ScheduleArgs) Kind() string { return "schedule" }

// PollArgs polls one source.
type PollArgs struct {
	SourceID int64 `json:"source_id" river:"unique"`
}

func (PollArgs) Kind() string { return "poll" }

// InsertOpts makes a poll unique while one for the same source is waiting
// or running; a finished poll does not block the next.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePoll, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{
		ByArgs:  true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled},
	}}
}

// IngestArgs ingests one item of a source.
type IngestArgs struct {
	SourceID int64           `json:"source_id" river:"unique"`
	Key      string          `json:"key" river:"unique"`
	Item     communique.Item `json:"item"`
}

func (IngestArgs) Kind() string { return "ingest" }

func (IngestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueIngest, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{
		ByArgs:  true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled},
	}}
}

// Queues.
const (
	QueuePoll   = "poll"
	QueueIngest = "ingest"
)

type scheduleWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	q *Queue
}

func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	return w.q.ScheduleDue(ctx)
}

type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	q *Queue
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	return w.q.poll(ctx, job.Args.SourceID)
}

type ingestWorker struct {
	river.WorkerDefaults[IngestArgs]
	q *Queue
}

func (w *ingestWorker) Work(ctx context.Context, job *river.Job[IngestArgs]) error {
	src, err := w.q.p.Store.Source(ctx, job.Args.SourceID)
	if communique.ErrorCode(err) == communique.ENOTFOUND {
		return river.JobCancel(fmt.Errorf("source %d was removed", job.Args.SourceID))
	} else if err != nil {
		return err
	}
	last := job.Attempt >= job.MaxAttempts
	_, _, err = w.q.p.Ingest(ctx, src, job.Args.Item, last)
	var fe *fetch.Error
	if errors.As(err, &fe) && fe.Kind == fetch.KindRetryLater && !fe.RetryAfter.IsZero() {
		// The host asked us to wait: do so without spending an attempt.
		return river.JobSnooze(max(time.Until(fe.RetryAfter), time.Second))
	}
	return err
}

// MinSpread is the least time between the ingest jobs of one poll, whatever
// the host delay. With no delay a host still takes one request at a time,
// and no real one serves a page in under 5 ms: spread this far apart, a
// poll's items are not fetched later than its host could have served them,
// and the items of polls that end together interleave in the queue. Queued a
// feed at a time instead, every worker process's slots held jobs of one host
// and waited on each other's lease for it, and a second worker process added
// nothing (ARCHITECTURE.md, "Two worker processes").
const MinSpread = 5 * time.Millisecond

// enqueueIngests enqueues the ingest of items of source id, spread
// q.spread apart.
func (q *Queue) enqueueIngests(ctx context.Context, id int64, items []communique.Item) error {
	params := make([]river.InsertManyParams, len(items))
	now := q.p.now()
	for i, it := range items {
		params[i] = river.InsertManyParams{Args: IngestArgs{SourceID: id, Key: it.Key, Item: it},
			InsertOpts: &river.InsertOpts{ScheduledAt: now.Add(time.Duration(i) * q.spread)}}
	}
	return q.insertN(ctx, params)
}

// dueNotScheduled inserts ingest jobs with a scheduled time as available, to
// run once due. River inserts them as scheduled, and its scheduler makes
// those available every 5 s: a spread under that would only hold them back
// to the next of its ticks. A worker takes an available job only once its
// scheduled time has passed, as it does a snoozed job.
type dueNotScheduled struct{ river.MiddlewareDefaults }

func (*dueNotScheduled) InsertMany(ctx context.Context, jobs []*rivertype.JobInsertParams, insert func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	for _, j := range jobs {
		if j.Kind == (IngestArgs{}).Kind() && j.State == rivertype.JobStateScheduled {
			j.State = rivertype.JobStateAvailable
		}
	}
	return insert(ctx)
}

// Queue runs the pipeline's jobs on River, over whichever database River's
// driver speaks (SQLite by default, PostgreSQL for many workers).
type Queue struct {
	p        *Pipeline
	insert   func(ctx context.Context, args river.JobArgs) error
	insertN  func(ctx context.Context, args []river.InsertManyParams) error
	start    func(ctx context.Context) error
	stop     func(ctx context.Context) error
	counts   func(ctx context.Context) (map[rivertype.JobState]int, error)
	byQueue  func(ctx context.Context) ([]*riverdriver.JobCountByQueueAndStateResult, error)
	interval time.Duration
	spread   time.Duration
}

// QueueOptions configure the workers.
type QueueOptions struct {
	PollWorkers   int           // concurrent polls, default 4
	IngestWorkers int           // concurrent ingests, default 8
	ScheduleEvery time.Duration // how often due sources are looked for, default 15s
	// Work is false for a process that only enqueues (the web role).
	Work   bool
	Logger *slog.Logger
	// FetchPollInterval is how often an idle worker looks for jobs (River's
	// default 1s; lower in tests and the demo).
	FetchPollInterval time.Duration
	// SpreadIngest makes the ingest jobs of one poll due this far apart
	// (the fetcher's per-host delay), and at least MinSpread: the items of
	// one feed are on one host, which takes one request per delay, so that
	// a feed with fifty new items does not hold every ingest worker waiting
	// on its host while other sources' items queue behind them.
	SpreadIngest time.Duration
	// JobTimeout bounds one job (default 5 minutes). A job still marked
	// running twice as long after it started — its worker died — is given
	// to another worker.
	JobTimeout time.Duration
}

// ingestCooldown is the least time between two looks for ingest jobs.
const ingestCooldown = 10 * time.Millisecond

// NewQueue makes a River client over driver for the pipeline p. Migrations
// of River's own schema must have been applied (see MigrateQueue).
func NewQueue[TTx any](driver riverdriver.Driver[TTx], p *Pipeline, o QueueOptions) (*Queue, error) {
	q := &Queue{p: p, interval: o.ScheduleEvery, spread: max(o.SpreadIngest, MinSpread)}
	if q.interval <= 0 {
		q.interval = 15 * time.Second
	}
	cfg := &river.Config{
		JobInsertMiddleware: []rivertype.JobInsertMiddleware{&dueNotScheduled{}},
		Logger:              o.Logger,
		FetchPollInterval:   o.FetchPollInterval,
		JobTimeout:          o.JobTimeout,
	}
	if o.FetchPollInterval > 0 && o.FetchPollInterval < river.FetchCooldownDefault {
		cfg.FetchCooldown = o.FetchPollInterval
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 5 * time.Minute
	}
	cfg.RescueStuckJobsAfter = 2 * cfg.JobTimeout
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Work {
		workers := river.NewWorkers()
		river.AddWorker(workers, &scheduleWorker{q: q})
		river.AddWorker(workers, &pollWorker{q: q})
		river.AddWorker(workers, &ingestWorker{q: q})
		cfg.Workers = workers
		cfg.Queues = queues(o, cmp.Or(cfg.FetchCooldown, river.FetchCooldownDefault))
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(q.interval),
			func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "schedule"},
		)}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("making the job queue: %w", err)
	}
	q.insert = func(ctx context.Context, args river.JobArgs) error {
		_, err := client.Insert(ctx, args, nil)
		return err
	}
	q.insertN = func(ctx context.Context, params []river.InsertManyParams) error {
		_, err := client.InsertMany(ctx, params)
		return err
	}
	q.start = func(ctx context.Context) error {
		if !o.Work {
			return nil
		}
		return client.Start(ctx)
	}
	q.stop = func(ctx context.Context) error {
		if !o.Work {
			return nil
		}
		return client.Stop(ctx)
	}
	q.counts = func(ctx context.Context) (map[rivertype.JobState]int, error) {
		return client.Driver().GetExecutor().JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
	}
	q.byQueue = func(ctx context.Context) ([]*riverdriver.JobCountByQueueAndStateResult, error) {
		return client.Driver().GetExecutor().JobCountByQueueAndState(ctx, &riverdriver.JobCountByQueueAndStateParams{
			QueueNames: []string{river.QueueDefault, QueuePoll, QueueIngest},
		})
	}
	return q, nil
}

// queues configures the worker's queues; cooldown is the client's least
// time between two looks for jobs.
func queues(o QueueOptions, cooldown time.Duration) map[string]river.QueueConfig {
	return map[string]river.QueueConfig{
		river.QueueDefault: {MaxWorkers: 1},
		QueuePoll:          {MaxWorkers: cmpOr(o.PollWorkers, 4)},
		// Ingest jobs come by the hundred and take tens of milliseconds
		// each: a slot that frees is refilled after ingestCooldown rather
		// than River's default 100 ms, which held eight slots to about
		// eighty jobs a second per process.
		QueueIngest: {MaxWorkers: cmpOr(o.IngestWorkers, 8), FetchCooldown: min(ingestCooldown, cooldown)},
	}
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Start starts the workers and the scheduler (if this process works).
func (q *Queue) Start(ctx context.Context) error { return q.start(ctx) }

// Stop waits for running jobs to finish, within ctx.
func (q *Queue) Stop(ctx context.Context) error { return q.stop(ctx) }

// Counts is the number of jobs in each state, for /metrics.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	c, err := q.counts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(c))
	for k, v := range c {
		out[string(k)] = v
	}
	return out, nil
}

// ScheduleDue enqueues a poll for every source that is due (at most 1,000 a
// tick; the rest stay due and are taken by the next tick).
func (q *Queue) ScheduleDue(ctx context.Context) error {
	due, err := q.p.Store.DueSources(ctx, q.p.now(), 1000)
	if err != nil || len(due) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(due))
	for i, s := range due {
		params[i] = river.InsertManyParams{Args: PollArgs{SourceID: s.ID}}
	}
	return q.insertN(ctx, params)
}

// PollNow makes a source due and enqueues its poll.
func (q *Queue) PollNow(ctx context.Context, id int64) error {
	src, err := q.p.Store.Source(ctx, id)
	if err != nil {
		return err
	}
	st := src.State
	st.NextPoll = q.p.now()
	if err := q.p.Store.RecordPoll(ctx, id, st); err != nil {
		return err
	}
	return q.insert(ctx, PollArgs{SourceID: id})
}

// poll runs one poll of a source and enqueues what it found. The poll state
// (with the feed's validators) is recorded only after the items are queued.
func (q *Queue) poll(ctx context.Context, id int64) error {
	src, err := q.p.Store.Source(ctx, id)
	if communique.ErrorCode(err) == communique.ENOTFOUND {
		return river.JobCancel(fmt.Errorf("source %d was removed", id))
	} else if err != nil {
		return err
	}
	found, st, perr := q.p.Poll(ctx, src)
	if perr == nil {
		q.subscribe(ctx, src, &st)
		// A hub's verification recorded while this poll ran (a lease
		// granted, or ended) is not undone by recording the poll.
		if st.WebSubSecret != "" {
			if cur, err := q.p.Store.Source(ctx, id); err == nil && !cur.State.WebSubLeaseUntil.Equal(src.State.WebSubLeaseUntil) {
				st.WebSubLeaseUntil = cur.State.WebSubLeaseUntil
			}
		}
		if st.WebSubLeaseUntil.After(q.p.now()) {
			// Pushed to: poll only as a safety net.
			st.NextPoll = q.p.now().Add(q.p.Policy.withDefaults().Max)
		}
	}
	if len(found) > 0 {
		items := make([]communique.Item, len(found))
		for i, f := range found {
			items[i] = f.Item
		}
		if err := q.enqueueIngests(ctx, id, items); err != nil {
			return err
		}
	}
	if err := q.p.Store.RecordPoll(ctx, id, st); err != nil {
		return err
	}
	if perr != nil {
		q.p.logger().Warn("poll failed", "source", id, "url", src.URL, "err", perr, "next", st.NextPoll)
	} else {
		q.p.logger().Info("polled", "source", id, "url", src.URL, "new", len(found), "next", st.NextPoll)
	}
	return nil // a failing source is its own state, not a failed job
}
