package dev.orderlock.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * The same trivial method (a) unlocked, (b) in hand-written Redisson {@code tryLock}/{@code unlock},
 * (c) under {@code @OrderLock(key = "#orderId")}, (d) under lock4j's {@code @Lock4j(keys = "#orderId")}; each thread
 * on its own orders. Sample time gives p50/p99; throughput is threads / mean time.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class UncontendedBenchmark {

	@Benchmark
	public long plain(Instance instance, OwnKeys keys) {
		return instance.plain.touch(keys.next());
	}

	@Benchmark
	public long handWrittenRedisson(Instance instance, OwnKeys keys) throws InterruptedException {
		return instance.handWritten.touch(keys.next());
	}

	@Benchmark
	public long orderLock(Instance instance, OwnKeys keys) {
		return instance.locked.touch(keys.next());
	}

	@Benchmark
	public long lock4j(Instance instance, OwnKeys keys) {
		return instance.lock4j.touch(keys.next());
	}

}
