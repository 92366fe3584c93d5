package bot

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the bot's Prometheus metrics. Labels hold only fixed
// vocabularies (activity types, outcomes, operations, status codes): never
// an id, a name or a text.
type Metrics struct {
	Registry     *prometheus.Registry
	Turns        *prometheus.CounterVec
	TurnSeconds  *prometheus.HistogramVec
	Conflicts    prometheus.Counter
	Sends        *prometheus.CounterVec
	Retries      *prometheus.CounterVec
	HTTPRequests *prometheus.CounterVec
}

// NewMetrics builds the metrics on a registry of their own (with the Go
// runtime and process collectors).
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graensen_turns_total", Help: "Turns handled, by activity type and outcome (ok, duplicate, ignored, store_error, send_error).",
		}, []string{"type", "outcome"}),
		TurnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "graensen_turn_duration_seconds", Help: "Time from receiving an activity to its state being saved, by activity type.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"type"}),
		Conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graensen_state_conflicts_total", Help: "Turns rerun because another turn changed the same conversation or profile.",
		}),
		Sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graensen_connector_requests_total", Help: "Requests to the Bot Connector, by operation and HTTP status (0 = transport error).",
		}, []string{"op", "status"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graensen_connector_retries_total", Help: "Retries scheduled after a Bot Connector answer, by operation and the status that caused them.",
		}, []string{"op", "status"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graensen_http_requests_total", Help: "Inbound HTTP requests by route and status code.",
		}, []string{"route", "code"}),
	}
	r.MustRegister(m.Turns, m.TurnSeconds, m.Conflicts, m.Sends, m.Retries, m.HTTPRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Sent implements connector.Observer.
func (m *Metrics) Sent(op string, status int) {
	m.Sends.WithLabelValues(op, strconv.Itoa(status)).Inc()
}

// Retried implements connector.Observer.
func (m *Metrics) Retried(op string, status int) {
	m.Retries.WithLabelValues(op, strconv.Itoa(status)).Inc()
}
