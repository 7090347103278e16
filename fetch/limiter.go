package fetch

import (
	"context"
	"sync"
	"time"
)

// HostLimiter keeps the client polite to each host. Acquire blocks until a
// request to host may start (or ctx is done); release is called once the
// response has been read. A limiter shared by several processes (backed by
// PostgreSQL, say) keeps the promise across workers.
type HostLimiter interface {
	Acquire(ctx context.Context, host string) (release func(), err error)
}

// NewHostLimiter is the in-process limiter: one request at a time per host,
// and at least delay between the end of one request and the start of the
// next to the same host. A delay <= 0 only serialises.
func NewHostLimiter(delay time.Duration) HostLimiter {
	return &hostLimiter{delay: delay, hosts: map[string]*hostSlot{}}
}

type hostLimiter struct {
	delay time.Duration
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	token chan struct{} // holds one token while the host is free
	last  time.Time     // when the previous request ended
	users int           // goroutines holding or waiting for the slot
}

func (l *hostLimiter) Acquire(ctx context.Context, host string) (func(), error) {
	l.mu.Lock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{token: make(chan struct{}, 1)}
		s.token <- struct{}{}
		l.hosts[host] = s
	}
	s.users++
	l.mu.Unlock()

	select {
	case <-s.token:
	case <-ctx.Done():
		l.leave(host, s)
		return nil, ctx.Err()
	}
	// The slot is ours: s.last is only written by its holder.
	if wait := time.Until(s.last.Add(l.delay)); l.delay > 0 && wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.token <- struct{}{}
			l.leave(host, s)
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.last = time.Now()
			s.token <- struct{}{}
			l.leave(host, s)
		})
	}, nil
}

// leave forgets a host nobody uses once its delay has passed, so that the
// map holds only the hosts in use, not every host ever fetched.
func (l *hostLimiter) leave(host string, s *hostSlot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s.users--
	if s.users == 0 && l.delay <= 0 {
		delete(l.hosts, host)
		return
	}
	if s.users == 0 {
		time.AfterFunc(l.delay, func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if s.users == 0 && l.hosts[host] == s {
				delete(l.hosts, host)
			}
		})
	}
}
