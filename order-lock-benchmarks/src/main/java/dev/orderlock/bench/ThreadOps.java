package dev.orderlock.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Calls completed by one thread in the measurement iterations, written to {@code fairness.tsv} in the output folder
 * at the end of the trial ({@code benchmark, thread, calls}), so the suite can tell how evenly a hot lock was shared.
 */
@State(Scope.Thread)
public class ThreadOps {

	private long inIteration;

	private long measured;

	void done() {
		this.inIteration++;
	}

	@Setup(Level.Iteration)
	public void startIteration() {
		this.inIteration = 0;
	}

	@TearDown(Level.Iteration)
	public void endIteration(IterationParams iteration) {
		if (iteration.getType() == IterationType.MEASUREMENT) {
			this.measured += this.inIteration;
		}
	}

	@TearDown(Level.Trial)
	public void report(BenchmarkParams benchmark, ThreadParams thread) {
		String line = benchmark.getBenchmark() + "\t" + thread.getThreadIndex() + "\t" + this.measured + "\n";
		append(Path.of(System.getProperty(BenchRedis.OUT_PROPERTY, "."), "fairness.tsv"), line);
	}

	private static synchronized void append(Path file, String line) {
		try {
			Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
