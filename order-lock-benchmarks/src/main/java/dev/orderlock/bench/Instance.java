package dev.orderlock.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.orderlock.ObserverProbe;
import dev.orderlock.OrderLockTemplate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.redisson.api.RedissonClient;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * One running application instance per benchmark fork, with the four variants of the trivial method. Its
 * {@code @OrderLock} records nothing (no registry, a no-op observer): checked at start-up, fails the fork otherwise.
 */
@State(Scope.Benchmark)
public class Instance {

	ConfigurableApplicationContext context;

	RedissonClient redisson;

	BenchApplication.PlainOrders plain;

	HandWrittenOrders handWritten;

	BenchApplication.LockedOrders locked;

	BenchApplication.CheckedOrders checked;

	BenchApplication.Lock4jOrders lock4j;

	@Setup(Level.Trial)
	public void start() {
		this.context = BenchApplication.start(BenchRedis.address(), properties());
		this.redisson = this.context.getBean(RedissonClient.class);
		this.plain = this.context.getBean(BenchApplication.PlainOrders.class);
		this.handWritten = this.context.getBean(HandWrittenOrders.class);
		this.locked = this.context.getBean(BenchApplication.LockedOrders.class);
		this.checked = this.context.getBean(BenchApplication.CheckedOrders.class);
		this.lock4j = this.context.getBean(BenchApplication.Lock4jOrders.class);
		requireNothingRecorded();
		started();
	}

	/** (c) is the baseline without meters or observations: Micrometer is on the class path, its registries are not. */
	private void requireNothingRecorded() {
		int registries = this.context.getBeanNamesForType(MeterRegistry.class).length
				+ this.context.getBeanNamesForType(ObservationRegistry.class).length;
		if (registries > 0 || ObserverProbe.records(this.context.getBean(OrderLockTemplate.class))) {
			throw new IllegalStateException("The benchmark instance records its locks (" + registries
					+ " registries): (c) must be @OrderLock without meters or observations");
		}
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

	/**
	 * The same instance beside (e), {@link ObservedApplication}'s {@code @OrderLock} on the same client, recording
	 * meters and observations. Checked before the trial (it records every call, the instance's own (c) records none)
	 * and after it (it kept recording); the counts go to {@code observed.tsv} in the output folder
	 * ({@code benchmark, order.lock.wait count, order.lock observations}) for the report.
	 */
	public static class WithObserved extends Instance {

		private static final String WAIT = "order.lock.wait";

		private static final String OBSERVATION = "order.lock";

		private static final String ACQUIRE_OBSERVATION = "order.lock.acquire";

		private static final int CHECK_CALLS = 3;

		ConfigurableApplicationContext observedContext;

		ObservedApplication.ObservedOrders observed;

		private MeterRegistry meters;

		private String benchmark = "?";

		@Setup(Level.Trial)
		public void name(BenchmarkParams params) {
			this.benchmark = params.getBenchmark();
		}

		@Override
		void started() {
			this.observedContext = ObservedApplication.start(BenchRedis.address(), this.redisson);
			this.observed = this.observedContext.getBean(ObservedApplication.ObservedOrders.class);
			this.meters = this.observedContext.getBean(MeterRegistry.class);
			require(this.observedContext.getBean(RedissonClient.class) == this.redisson,
					"the observed application has a RedissonClient of its own");
			require(!this.observedContext.getBean(ObservationRegistry.class).isNoop(),
					"the observation registry is a no-op");
			require(ObserverProbe.records(this.observedContext.getBean(OrderLockTemplate.class)),
					"the observed application's template has no observer");
			// Orders below every benchmark thread's own (OwnKeys starts at 1,000,000).
			for (int i = 1; i <= CHECK_CALLS; i++) {
				this.observed.touch(-i);
			}
			requireCounts(CHECK_CALLS, "after " + CHECK_CALLS + " observed calls");
			for (int i = 1; i <= CHECK_CALLS; i++) {
				this.locked.touch(-i);
			}
			requireCounts(CHECK_CALLS, "after " + CHECK_CALLS + " more calls of the unobserved (c)");
		}

		private void requireCounts(long expected, String when) {
			long waits = count(WAIT, "outcome", "acquired");
			long held = count("order.lock.held", null, null);
			long calls = count(OBSERVATION, null, null);
			long acquires = count(ACQUIRE_OBSERVATION, null, null);
			require(waits == expected && held == expected && calls == expected && acquires == expected,
					when + ": expected " + expected + " of each, found " + WAIT + " (acquired) " + waits
							+ ", order.lock.held " + held + ", " + OBSERVATION + " observations " + calls + ", "
							+ ACQUIRE_OBSERVATION + " observations " + acquires);
		}

		/** Calls recorded by every timer of that name (and tag), whatever its other tags. */
		private long count(String name, String tag, String value) {
			var search = this.meters.find(name);
			if (tag != null) {
				search = search.tag(tag, value);
			}
			return search.timers().stream().mapToLong(Timer::count).sum();
		}

		@Override
		void stopping() {
			try {
				long waits = count(WAIT, "outcome", "acquired") - CHECK_CALLS;
				long calls = count(OBSERVATION, null, null) - CHECK_CALLS;
				require(waits > 0 && calls == waits, "over the trial, " + WAIT + " recorded " + waits + " and "
						+ OBSERVATION + " " + calls + " observations: (e) must record every call");
				append(Path.of(System.getProperty(BenchRedis.OUT_PROPERTY, "."), "observed.tsv"),
						this.benchmark + "\t" + waits + "\t" + calls + "\n");
			}
			finally {
				this.observedContext.close();
			}
			require(!this.redisson.isShutdown(), "closing the observed application shut the shared client down");
		}

		private static void require(boolean condition, String problem) {
			if (!condition) {
				throw new IllegalStateException("(e) @OrderLock with meters and observation: " + problem);
			}
		}

		private static void append(Path file, String line) {
			try {
				Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
						StandardOpenOption.APPEND);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
