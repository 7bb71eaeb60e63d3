package dev.orderlock.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/**
 * One JMH result reduced to what the report compares: calls per second, latency percentiles and allocation per call.
 *
 * @param name the benchmark method, with its parameters if it has any
 * @param threads threads calling at once
 * @param throughput calls per second over all threads (threads / mean call time, for sample-time runs)
 * @param meanNanos mean time per call
 * @param p50Nanos median time per call
 * @param p99Nanos 99th percentile time per call
 * @param allocBytes bytes allocated per call ({@code gc.alloc.rate.norm}), NaN without the GC profiler
 */
record Measurement(String name, int threads, double throughput, double meanNanos, double p50Nanos, double p99Nanos,
		double allocBytes) {

	static Measurement of(RunResult run) {
		Result<?> primary = run.getPrimaryResult();
		Statistics statistics = primary.getStatistics();
		double nanosPerUnit = nanosPer(primary.getScoreUnit());
		int threads = run.getParams().getThreads();
		double mean = statistics.getMean() * nanosPerUnit;
		Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
		String benchmark = run.getParams().getBenchmark();
		StringBuilder name = new StringBuilder(benchmark.substring(benchmark.lastIndexOf('.') + 1));
		for (String key : run.getParams().getParamsKeys()) {
			name.append(' ').append(key).append('=').append(run.getParams().getParam(key));
		}
		return new Measurement(name.toString(), threads, threads * 1e9 / mean,
				mean, statistics.getPercentile(50) * nanosPerUnit, statistics.getPercentile(99) * nanosPerUnit,
				(alloc != null) ? alloc.getScore() : Double.NaN);
	}

	/** The mean of two passes of the same benchmark, measured apart to cancel drift. */
	Measurement averagedWith(Measurement other) {
		return new Measurement(this.name, this.threads, (this.throughput + other.throughput) / 2,
				(this.meanNanos + other.meanNanos) / 2, (this.p50Nanos + other.p50Nanos) / 2,
				(this.p99Nanos + other.p99Nanos) / 2, (this.allocBytes + other.allocBytes) / 2);
	}

	private static double nanosPer(String unit) {
		if (unit.startsWith("us/") || unit.startsWith("µs/")) {
			return 1_000;
		}
		if (unit.startsWith("ns/")) {
			return 1;
		}
		if (unit.startsWith("ms/")) {
			return 1_000_000;
		}
		throw new IllegalStateException("Unexpected score unit " + unit);
	}

}
