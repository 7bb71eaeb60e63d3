package dev.orderlock.bench;

import java.lang.management.ManagementFactory;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes allocated by the calling thread itself during each call, summed per iteration ({@code callerBytes}, with
 * {@code calls}): unlike {@code -prof gc}, which divides the whole JVM's allocation (Redisson's I/O and watchdog
 * threads included) by the calls, this isolates what the call path allocates, so (c) − (b) is the aspect's own.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CallerAllocation {

	private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory
		.getThreadMXBean();

	public long callerBytes;

	public long calls;

	@Setup(Level.Iteration)
	public void reset() {
		this.callerBytes = 0;
		this.calls = 0;
	}

	long start() {
		return THREADS.getCurrentThreadAllocatedBytes();
	}

	void end(long start) {
		this.callerBytes += THREADS.getCurrentThreadAllocatedBytes() - start;
		this.calls++;
	}

}
