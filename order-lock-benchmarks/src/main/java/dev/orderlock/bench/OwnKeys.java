package dev.orderlock.bench;

import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Order ids of one benchmark thread: 1,024 of its own, cycled, so threads never contend with each other.
 */
@State(Scope.Thread)
public class OwnKeys {

	private static final AtomicLong threads = new AtomicLong();

	private long base;

	private int next;

	@Setup(Level.Trial)
	public void claim() {
		this.base = threads.incrementAndGet() * 1_000_000L;
	}

	long next() {
		return this.base + (this.next++ & 1023);
	}

}
