package dev.orderlock.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.redisson.api.RedissonClient;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * One running application instance per benchmark fork, with the four variants of the trivial method.
 */
@State(Scope.Benchmark)
public class Instance {

	ConfigurableApplicationContext context;

	RedissonClient redisson;

	BenchApplication.PlainOrders plain;

	HandWrittenOrders handWritten;

	BenchApplication.LockedOrders locked;

	BenchApplication.Lock4jOrders lock4j;

	@Setup(Level.Trial)
	public void start() {
		this.context = BenchApplication.start(BenchRedis.address(), properties());
		this.redisson = this.context.getBean(RedissonClient.class);
		this.plain = this.context.getBean(BenchApplication.PlainOrders.class);
		this.handWritten = this.context.getBean(HandWrittenOrders.class);
		this.locked = this.context.getBean(BenchApplication.LockedOrders.class);
		this.lock4j = this.context.getBean(BenchApplication.Lock4jOrders.class);
		started();
	}

	String[] properties() {
		return new String[0];
	}

	/** Set-up of a subclass that needs the running instance. */
	void started() {
	}

	/** Tear-down of a subclass that needs the instance still running. */
	void stopping() {
	}

	@TearDown(Level.Trial)
	public void stop() {
		try {
			stopping();
		}
		finally {
			this.context.close();
		}
	}

	/** The same instance with {@code order-lock.local-hand-off=true}. */
	public static class WithLocalHandOff extends Instance {

		@Override
		String[] properties() {
			return new String[] { "order-lock.local-hand-off=true" };
		}

	}

}
