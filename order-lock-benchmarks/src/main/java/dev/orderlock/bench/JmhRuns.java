package dev.orderlock.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs JMH benchmarks in forks that find the suite's Redis, with one set of iteration settings for the whole run.
 */
final class JmhRuns {

	private final String redisAddress;

	private final Path outputFolder;

	private final boolean smoke;

	JmhRuns(String redisAddress, Path outputFolder, boolean smoke) {
		this.redisAddress = redisAddress;
		this.outputFolder = outputFolder;
		this.smoke = smoke;
	}

	/** One benchmark method, e.g. {@code one(UncontendedBenchmark.class, "orderLock", 4, true)}. */
	Measurement one(Class<?> benchmark, String method, int threads, boolean gc) throws RunnerException {
		return all(benchmark, Pattern.quote(method), threads, gc).get(0);
	}

	/**
	 * Every benchmark of {@code benchmark} whose method name matches {@code methodPattern}, in JMH's order;
	 * {@code threads} 0 keeps the class's {@code @Threads}.
	 */
	List<Measurement> all(Class<?> benchmark, String methodPattern, int threads, boolean gc) throws RunnerException {
		List<Measurement> measurements = new ArrayList<>();
		for (RunResult result : run(benchmark, methodPattern, threads, gc, 5)) {
			measurements.add(Measurement.of(result));
		}
		return measurements;
	}

	/** A JMH group (its methods run at the same time), measured for longer: its members are compared. */
	RunResult group(Class<?> benchmark, String group) throws RunnerException {
		return run(benchmark, Pattern.quote(group), 0, false, 10).iterator().next();
	}

	private Collection<RunResult> run(Class<?> benchmark, String methodPattern, int threads, boolean gc,
			int measurementIterations) throws RunnerException {
		ChainedOptionsBuilder options = new OptionsBuilder()
			.include("^" + Pattern.quote(benchmark.getName() + ".") + methodPattern + "$")
			.forks(1)
			.jvmArgsAppend("-D" + BenchRedis.ADDRESS_PROPERTY + "=" + this.redisAddress,
					"-D" + BenchRedis.OUT_PROPERTY + "=" + this.outputFolder, "-Xms1g", "-Xmx1g")
			.shouldFailOnError(true);
		if (this.smoke) {
			options.warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(300));
		}
		else {
			options.warmupIterations(3)
				.warmupTime(TimeValue.seconds(2))
				.measurementIterations(measurementIterations)
				.measurementTime(TimeValue.seconds(2));
		}
		if (threads > 0) {
			options.threads(threads);
		}
		if (gc) {
			options.addProfiler(GCProfiler.class);
		}
		Collection<RunResult> results = new Runner(options.build()).run();
		if (results.isEmpty()) {
			throw new IllegalStateException("No benchmark matched " + benchmark.getName() + "." + methodPattern);
		}
		return results;
	}

}
