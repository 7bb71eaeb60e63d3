package dev.orderlock.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * (b), (c), (d) and (e) running at the same time in one fork, each on its own threads and orders (JMH groups): every
 * variant sees the same JIT state, the same Redis and the same noise from the machine, so their ratio is not blurred
 * by the 20–40 % that separate runs drift apart on a shared 2-core machine. (e) is (c) in an application that records
 * meters and observations ({@link ObservedApplication}), on the same client. {@code one}: one thread per variant;
 * {@code four}: four per variant.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SideBySideBenchmark {

	@Benchmark
	@Group("one")
	@GroupThreads(1)
	public long handWrittenRedisson(Instance.WithObserved instance, OwnKeys keys) throws InterruptedException {
		return instance.handWritten.touch(keys.next());
	}

	@Benchmark
	@Group("one")
	@GroupThreads(1)
	public long orderLock(Instance.WithObserved instance, OwnKeys keys) {
		return instance.locked.touch(keys.next());
	}

	@Benchmark
	@Group("one")
	@GroupThreads(1)
	public long lock4j(Instance.WithObserved instance, OwnKeys keys) {
		return instance.lock4j.touch(keys.next());
	}

	@Benchmark
	@Group("one")
	@GroupThreads(1)
	public long orderLockObserved(Instance.WithObserved instance, OwnKeys keys) {
		return instance.observed.touch(keys.next());
	}

	@Benchmark
	@Group("four")
	@GroupThreads(4)
	public long handWrittenRedisson4(Instance.WithObserved instance, OwnKeys keys) throws InterruptedException {
		return instance.handWritten.touch(keys.next());
	}

	@Benchmark
	@Group("four")
	@GroupThreads(4)
	public long orderLock4(Instance.WithObserved instance, OwnKeys keys) {
		return instance.locked.touch(keys.next());
	}

	@Benchmark
	@Group("four")
	@GroupThreads(4)
	public long lock4j4(Instance.WithObserved instance, OwnKeys keys) {
		return instance.lock4j.touch(keys.next());
	}

	@Benchmark
	@Group("four")
	@GroupThreads(4)
	public long orderLockObserved4(Instance.WithObserved instance, OwnKeys keys) {
		return instance.observed.touch(keys.next());
	}

}
