-- SPDX-License-Identifier: Apache-2.0
-- wrk script for bench/invoke.py: POSTs one small JSON event on every request (an Invoke
-- payload, or the echo floor's body) and, when the run ends, prints one machine-readable line
--   BENCH {"requests":..,"rps":..,"p50_us":..,"p99_us":..,"errors":..}
-- with exact percentiles from wrk's latency histogram (its --latency table rounds them).
-- The event is $BENCH_BODY if set.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '{"name":"bench"}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local errors = summary.errors
    local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
    io.write(string.format(
        'BENCH {"requests":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"errors":%d}\n',
        summary.requests, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), failed))
end
