package dev.orderlock.bench;

import java.util.Map;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/**
 * One JMH result reduced to what the report compares: calls per second, latency percentiles and allocation per call.
 *
 * @param name the benchmark method, with its parameters if it has any
 * @param threads threads calling at once
 * @param throughput calls per second over all threads (threads / mean call time)
 * @param meanNanos mean time per call
 * @param p50Nanos median time per call (NaN outside sample-time mode)
 * @param p99Nanos 99th percentile time per call (NaN outside sample-time mode)
 * @param allocBytes bytes the whole JVM allocated per call ({@code gc.alloc.rate.norm}), NaN without the GC profiler
 * @param callerAllocBytes bytes the calling thread allocated per call ({@link CallerAllocation}), NaN without it
 */
record Measurement(String name, int threads, double throughput, double meanNanos, double p50Nanos, double p99Nanos,
		double allocBytes, double callerAllocBytes) {

	static Measurement of(RunResult run) {
		String benchmark = run.getParams().getBenchmark();
		StringBuilder name = new StringBuilder(benchmark.substring(benchmark.lastIndexOf('.') + 1));
		for (String key : run.getParams().getParamsKeys()) {
			name.append(' ').append(key).append('=').append(run.getParams().getParam(key));
		}
		Map<String, Result> secondary = run.getSecondaryResults();
		Result<?> alloc = secondary.get("gc.alloc.rate.norm");
		Result<?> callerBytes = secondary.get("callerBytes");
		Result<?> calls = secondary.get("calls");
		double callerAlloc = (callerBytes != null && calls != null && calls.getScore() > 0)
				? callerBytes.getScore() / calls.getScore() : Double.NaN;
		return of(name.toString(), run.getParams().getThreads(), run, run.getPrimaryResult(),
				(alloc != null) ? alloc.getScore() : Double.NaN, callerAlloc);
	}

	/** One member of a JMH group, e.g. {@code orderLock} of group {@code one}. */
	static Measurement ofGroupMember(RunResult run, String method, int threads) {
		Result<?> result = run.getSecondaryResults().get(method);
		if (result == null) {
			throw new IllegalStateException("No result for " + method + " in " + run.getSecondaryResults().keySet());
		}
		return of(method, threads, run, result, Double.NaN, Double.NaN);
	}

	private static Measurement of(String name, int threads, RunResult run, Result<?> result, double alloc,
			double callerAlloc) {
		Statistics statistics = result.getStatistics();
		double nanosPerUnit = nanosPer(result.getScoreUnit());
		boolean sampled = run.getParams().getMode() == Mode.SampleTime;
		double mean = statistics.getMean() * nanosPerUnit;
		return new Measurement(name, threads, threads * 1e9 / mean, mean,
				sampled ? statistics.getPercentile(50) * nanosPerUnit : Double.NaN,
				sampled ? statistics.getPercentile(99) * nanosPerUnit : Double.NaN, alloc, callerAlloc);
	}

	/** The mean of two passes of the same benchmark, measured apart to cancel drift. */
	Measurement averagedWith(Measurement other) {
		return new Measurement(this.name, this.threads, (this.throughput + other.throughput) / 2,
				(this.meanNanos + other.meanNanos) / 2, (this.p50Nanos + other.p50Nanos) / 2,
				(this.p99Nanos + other.p99Nanos) / 2, (this.allocBytes + other.allocBytes) / 2,
				(this.callerAllocBytes + other.callerAllocBytes) / 2);
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
