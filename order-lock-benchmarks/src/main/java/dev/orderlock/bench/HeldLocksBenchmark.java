package dev.orderlock.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;

/**
 * Cost as the work grows: the same calls as {@link UncontendedBenchmark} (b) and (c) while the instance's own client
 * holds {@code heldLocks} other locks, each renewed by Redisson's watchdog. {@link CallerAllocation} (and
 * {@code -prof gc} for the whole JVM) show whether the per-call allocations grow with the number of locks held.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HeldLocksBenchmark {

	@Benchmark
	public long handWrittenRedisson(HoldingInstance instance, OwnKeys keys, CallerAllocation allocation)
			throws InterruptedException {
		long start = allocation.start();
		long result = instance.handWritten.touch(keys.next());
		allocation.end(start);
		return result;
	}

	@Benchmark
	public long orderLock(HoldingInstance instance, OwnKeys keys, CallerAllocation allocation) {
		long start = allocation.start();
		long result = instance.locked.touch(keys.next());
		allocation.end(start);
		return result;
	}

	/** An instance whose client holds {@code heldLocks} locks with the watchdog for the whole trial. */
	public static class HoldingInstance extends Instance {

		/** A thread id no benchmark thread has: the held locks belong to "another caller" of this instance. */
		private static final long HOLDER_THREAD_ID = -4242;

		@Param({ "0", "10000" })
		public int heldLocks;

		@Override
		void started() {
			List<CompletableFuture<Void>> locks = new ArrayList<>();
			for (int i = 0; i < this.heldLocks; i++) {
				locks.add(this.redisson.getLock("bench-held:" + i)
					.lockAsync(-1, TimeUnit.MILLISECONDS, HOLDER_THREAD_ID)
					.toCompletableFuture());
			}
			CompletableFuture.allOf(locks.toArray(CompletableFuture[]::new)).join();
		}

		@Override
		void stopping() {
			List<CompletableFuture<Boolean>> unlocks = new ArrayList<>();
			for (int i = 0; i < this.heldLocks; i++) {
				unlocks.add(this.redisson.getLock("bench-held:" + i).forceUnlockAsync().toCompletableFuture());
			}
			CompletableFuture.allOf(unlocks.toArray(CompletableFuture[]::new)).join();
		}

	}

}
