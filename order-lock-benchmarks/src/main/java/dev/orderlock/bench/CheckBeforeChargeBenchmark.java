package dev.orderlock.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * What {@code OrderLockContext.checkStillHeld()} before an irreversible step costs per call: (c) with and without the
 * check, side by side in one fork (JMH group), each on its own thread and orders, so their ratio is not blurred by
 * drift between runs.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CheckBeforeChargeBenchmark {

	@Benchmark
	@Group("pay")
	@GroupThreads(1)
	public long orderLock(Instance instance, OwnKeys keys) {
		return instance.locked.touch(keys.next());
	}

	@Benchmark
	@Group("pay")
	@GroupThreads(1)
	public long orderLockChecked(Instance instance, OwnKeys keys) {
		return instance.checked.touch(keys.next());
	}

}
