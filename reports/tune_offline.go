package reports

import (
	"math"
	"time"
)

// OfflinePoint is the digest of one setting of an offline-queue sweep:
// a flush interval and a queue size, run at a fixed arrival rate.
// Latencies are in milliseconds.
type OfflinePoint struct {
	FlushInterval time.Duration `json:"-"`
	IntervalMs    float64       `json:"flush_interval_ms"`
	QueueSize     int           `json:"max_queue_size"`
	// Accepted, Delivered and Lost are the queue's account; LostBy
	// names the causes of the losses.
	Accepted  int64            `json:"accepted"`
	Delivered int64            `json:"delivered"`
	Lost      int64            `json:"lost"`
	LostBy    map[string]int64 `json:"lost_by,omitempty"`
	// MaxDepth is the deepest the queue was.
	MaxDepth int64 `json:"max_depth"`
	// SendRate is how fast the flushers got answers: delivered actions
	// per second of the stage, drain included.
	SendRate float64 `json:"send_per_s"`
	// TTRP50 and TTRP99 are percentiles of time to receipt, from
	// enqueue to the server's answer; EnqueueP99 is of the caller's
	// enqueue call.
	TTRP50     float64 `json:"time_to_receipt_p50_ms"`
	TTRP99     float64 `json:"time_to_receipt_p99_ms"`
	EnqueueP99 float64 `json:"enqueue_p99_ms"`
}

// Lossless reports whether the point lost no action.
func (p OfflinePoint) Lossless() bool { return p.Lost == 0 && p.Accepted > 0 }

// SummarizeOffline digests one offline stage run with the given flush
// interval and queue size. A stage without an offline account gives a
// point that accepted nothing.
func SummarizeOffline(st *Stage, interval time.Duration,
	size int) OfflinePoint {
	p := OfflinePoint{FlushInterval: interval, IntervalMs: ms(interval),
		QueueSize: size}
	o := st.Offline
	if o == nil {
		return p
	}
	p.Accepted, p.Delivered, p.Lost = o.Accepted, o.Delivered, o.Lost
	for cause, n := range o.LostBy {
		if n > 0 {
			if p.LostBy == nil {
				p.LostBy = map[string]int64{}
			}
			p.LostBy[cause] = n
		}
	}
	for _, d := range o.Depth {
		p.MaxDepth = max(p.MaxDepth, d)
	}
	p.SendRate = perSecond(o.Delivered, st.Duration)
	ttr := orEmpty(o.TimeToReceipt).Summary()
	p.TTRP50, p.TTRP99 = deref(ttr.P50), deref(ttr.P99)
	p.EnqueueP99 = deref(orEmpty(o.Enqueue).Summary().P99)
	return p
}

// OfflineTune is the result of an offline-queue sweep at one arrival
// rate.
type OfflineTune struct {
	// Rate is the arrival rate, in actions per second, and Seconds how
	// long actions arrived at each setting.
	Rate    float64 `json:"rate_per_s"`
	Seconds float64 `json:"seconds"`
	// Points are the settings run, in the order they ran.
	Points []OfflinePoint `json:"points"`
	// Skipped lists flush intervals not run, because a shorter one
	// already lost actions at every queue size.
	Skipped []time.Duration `json:"-"`
	// Found is false when no point lost nothing; Index names the
	// recommended point otherwise.
	Found bool `json:"found"`
	Index int  `json:"recommended_index"`
}

// RecommendOffline picks the lossless point with the smallest queue,
// and among those the one with the shortest flush interval, which never
// makes a receipt later. It returns -1 and false when every point lost
// actions.
func RecommendOffline(points []OfflinePoint) (int, bool) {
	best := -1
	for i, p := range points {
		if !p.Lossless() {
			continue
		}
		if best < 0 || p.QueueSize < points[best].QueueSize ||
			p.QueueSize == points[best].QueueSize &&
				p.FlushInterval < points[best].FlushInterval {
			best = i
		}
	}
	return best, best >= 0
}

// PredictQueue returns the queue size Little's law predicts for an
// offline queue whose flushers keep up: the actions that arrive at rate
// (per second) during one flush interval, rounded up, plus one for the
// action that starts the interval.
func PredictQueue(rate float64, interval time.Duration) int {
	return int(math.Ceil(rate*interval.Seconds()-1e-9)) + 1
}

// PredictBacklog returns the backlog that builds when actions arrive at
// rate for seconds while flushers answer only send per second: the
// queue, and the batches taken from it, must hold it all. It is 0 when
// the flushers keep up.
func PredictBacklog(rate, send, seconds float64) int {
	return int(math.Ceil(max(rate-send, 0)*seconds - 1e-9))
}
