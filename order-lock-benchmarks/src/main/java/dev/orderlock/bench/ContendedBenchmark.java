package dev.orderlock.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;

/**
 * Eight threads of one instance on one hot order: hand-written Redisson against {@code @OrderLock}, without and with
 * {@code order-lock.local-hand-off}. Sample time is the whole call (waiting for the lock, the body, the release);
 * {@link ThreadOps} records each thread's share for fairness.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(ContendedBenchmark.THREADS)
public class ContendedBenchmark {

	static final int THREADS = 8;

	static final long HOT_ORDER = 42;

	@Benchmark
	public long handWrittenRedisson(Instance instance, ThreadOps ops) throws InterruptedException {
		ops.done();
		return instance.handWritten.touch(HOT_ORDER);
	}

	@Benchmark
	public long orderLock(Instance instance, ThreadOps ops) {
		ops.done();
		return instance.locked.touch(HOT_ORDER);
	}

	@Benchmark
	public long orderLockLocalHandOff(Instance.WithLocalHandOff instance, ThreadOps ops) {
		ops.done();
		return instance.locked.touch(HOT_ORDER);
	}

}
