// Package clock gives the services' clock (app.Deps.Now) to the tests, the
// seed and the bench that move time: a clock stopped at a time, or one that
// can be set and moved while the services run.
package clock

import (
	"sync"
	"sync/atomic"
	"time"
)

// Or returns now, or time.Now if now is nil: what a service's constructor
// does with the clock of its Deps.
func Or(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// Fixed returns a clock stopped at t.
func Fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// Adjustable is a clock that follows real time, shifted by an offset, until
// Set stops it at a time; Add moves it either way. The zero value is real
// time. It is safe for concurrent use: the services read it while a test or
// the bench moves it.
type Adjustable struct {
	mu    sync.Mutex // serializes the changes; Now reads without it
	state atomic.Pointer[state]
}

type state struct {
	stopped bool
	at      time.Time     // while stopped
	offset  time.Duration // while running
}

// NewAdjustable returns a clock stopped at t.
func NewAdjustable(t time.Time) *Adjustable {
	c := &Adjustable{}
	c.Set(t)
	return c
}

// Now returns the clock's time.
func (c *Adjustable) Now() time.Time {
	st := c.state.Load()
	switch {
	case st == nil:
		return time.Now()
	case st.stopped:
		return st.at
	}
	return time.Now().Add(st.offset)
}

func (c *Adjustable) change(f func(st *state)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var st state
	if old := c.state.Load(); old != nil {
		st = *old
	}
	f(&st)
	c.state.Store(&st)
}

// Set stops the clock at t.
func (c *Adjustable) Set(t time.Time) {
	c.change(func(st *state) { st.stopped, st.at = true, t })
}

// Add moves the clock by d: a stopped clock to its time plus d, a running
// one to real time plus its offset plus d.
func (c *Adjustable) Add(d time.Duration) {
	c.change(func(st *state) {
		if st.stopped {
			st.at = st.at.Add(d)
		} else {
			st.offset += d
		}
	})
}

// Reset makes the clock real time again.
func (c *Adjustable) Reset() {
	c.change(func(st *state) { *st = state{} })
}
