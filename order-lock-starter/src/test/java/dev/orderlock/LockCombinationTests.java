package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every pair of option values, through the one lifecycle (issue 12): return style (blocking, {@code CompletionStage},
 * {@code Mono}; Kotlin {@code suspend} reaches the Mono adapter through Spring, see SuspendOrderLockTests) x keys (one,
 * several) x kind (exclusive, fair, read, write, fenced) x transaction (none, one the work begins, an outer one the
 * call runs in, a new one begun inside it) x local hand-off x hold-time cap (none, reached). Each case runs on
 * instance A while instance B (another RedissonClient) tries to take every key, and checks: never two holders, the
 * lock released exactly once, and the outcome the docs promise (success and the row committed; a reached cap
 * reported as {@link OrderLockLeaseLostException} with nothing committed after it). Combinations that cannot work
 * (fenced with several orders) are refused when the request is built.
 */
@Timeout(120)
class LockCombinationTests {

	private static final Duration CAP = Duration.ofMillis(700);

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	enum Style {
		BLOCKING, STAGE, MONO
	}

	enum Keys {
		ONE, SEVERAL
	}

	enum Kind {
		EXCLUSIVE, FAIR, READ, WRITE, FENCED
	}

	enum Tx {
		NONE, OWN, OUTER, NEW_INSIDE
	}

	enum HandOff {
		OFF, ON
	}

	enum Cap {
		NONE, REACHED
	}

	record Case(Style style, Keys keys, Kind kind, Tx tx, HandOff handOff, Cap cap) {

		@Override
		public String toString() {
			return this.style + " " + this.keys + " " + this.kind + " tx=" + this.tx + " handOff=" + this.handOff
					+ " cap=" + this.cap;
		}

	}

	private JdbcTemplate jdbc;

	private TransactionTemplate transaction;

	private TransactionTemplate requiresNew;

	@BeforeEach
	void setUp() {
		TestTransactions transactions = TestTransactions.create("writes (id int auto_increment primary key)");
		this.jdbc = transactions.jdbc();
		this.transaction = transactions.transaction();
		this.requiresNew = transactions.requiresNew();
	}

	static Stream<Case> pairwise() {
		return Pairwise.cover(List.of(Style.values(), Keys.values(), Kind.values(), Tx.values(), HandOff.values(),
				Cap.values()), (values) -> new Case((Style) values[0], (Keys) values[1], (Kind) values[2],
						(Tx) values[3], (HandOff) values[4], (Cap) values[5]),
				(c) -> !(c.kind() == Kind.FENCED && c.keys() == Keys.SEVERAL))
			.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("pairwise")
	void neverTwoHoldersReleasedOnceOutcomeAsDocumented(Case c) throws Exception {
		OrderLockTemplate a = clients.templateA(Duration.ofSeconds(10));
		a.setLocalHandOff(c.handOff() == HandOff.ON);
		AtomicInteger releases = new AtomicInteger();
		a.setObserver((origin) -> new LockObserver.Attempt() {

			@Override
			public void released() {
				releases.incrementAndGet();
			}

		});
		List<String> keys = (c.keys() == Keys.ONE) ? List.of("1") : List.of("1", "2");
		LockRequest request = LockRequest.of(keys).kind(lockKind(c.kind())).fenced(c.kind() == Kind.FENCED)
			.maxHoldTime((c.cap() == Cap.REACHED) ? CAP : null).name("combination");

		CountDownLatch entered = new CountDownLatch(1);
		CompletableFuture<Void> gate = new CompletableFuture<>();
		CompletableFuture<Object> outcome = CompletableFuture.supplyAsync(() -> {
			try {
				return (c.tx() == Tx.OUTER || c.tx() == Tx.NEW_INSIDE)
						? this.transaction.execute((status) -> run(c, a, request, entered, gate))
						: run(c, a, request, entered, gate);
			}
			catch (RuntimeException ex) {
				return ex;
			}
		});
		assertThat(entered.await(10, TimeUnit.SECONDS)).as("the work started").isTrue();
		for (String key : keys) {
			assertThat(tryRival(c.kind(), key)).as("B took %s while A held it", key).isFalse();
		}
		if (c.cap() == Cap.REACHED) {
			// The cap frees every key while A's work still runs.
			for (String key : keys) {
				assertThat(eventually(() -> tryRival(c.kind(), key))).as("B after the cap, %s", key).isTrue();
			}
		}
		gate.complete(null);
		Object result = outcome.get(20, TimeUnit.SECONDS);
		if (result instanceof CompletableFuture<?> pending) {
			result = settle(pending);
		}
		for (String key : keys) {
			assertThat(eventually(() -> tryRival(c.kind(), key))).as("B after A ended, %s", key).isTrue();
		}
		assertThat(releases.get()).as("released exactly once").isEqualTo(1);
		assertThat(clients.a().getKeys().countExists(keys.stream().map((k) -> clients.prefix() + ":" + k)
			.toArray(String[]::new))).as("no lock key left behind").isZero();
		int rows = this.jdbc.queryForObject("select count(*) from writes", Integer.class);
		if (c.cap() == Cap.NONE) {
			assertThat(result).as("outcome").isEqualTo("done");
			assertThat(rows).as("rows committed").isEqualTo((c.tx() == Tx.NONE) ? 0 : 1);
		}
		else {
			assertThat(result).as("outcome").isInstanceOf(OrderLockLeaseLostException.class);
			if (c.style() == Style.BLOCKING || c.tx() == Tx.NONE) {
				// Committed after the cap: never (blocking work and its transactions are checked before the commit).
				assertThat(rows).as("rows committed after the cap").isZero();
			}
		}
	}

	@Test
	void fencedWithSeveralOrdersIsRefused() {
		assertThatThrownBy(() -> LockRequest.of(List.of("1", "2")).fenced(true))
			.isInstanceOf(IllegalArgumentException.class);
	}

	/** Runs the case's call on A through the public API; returns its outcome, or the future of an asynchronous one. */
	private Object run(Case c, OrderLockTemplate a, LockRequest request, CountDownLatch entered,
			CompletableFuture<Void> gate) {
		Supplier<Object> work = () -> {
			entered.countDown();
			if (c.cap() == Cap.REACHED) {
				OrderLockTemplateTests.sleep(CAP.plus(Duration.ofMillis(900)));
			}
			gate.join();
			write(c);
			return "done";
		};
		return switch (c.style()) {
			case BLOCKING -> {
				try {
					yield a.execute(request, (lock) -> work.get());
				}
				catch (RuntimeException ex) {
					yield ex;
				}
			}
			case STAGE -> {
				try {
					yield a.executeAsync(request, (lock) -> CompletableFuture.supplyAsync(work));
				}
				catch (RuntimeException ex) {
					yield ex;
				}
			}
			case MONO -> new ReactiveOrderLockTemplate(a)
				.execute(request, (lock) -> Mono.fromSupplier(work).subscribeOn(Schedulers.boundedElastic()))
				.toFuture();
		};
	}

	private void write(Case c) {
		switch (c.tx()) {
			case NONE -> {
			}
			case OWN -> this.transaction.executeWithoutResult((status) -> insert());
			case OUTER -> insert();
			case NEW_INSIDE -> this.requiresNew.executeWithoutResult((status) -> insert());
		}
	}

	private void insert() {
		this.jdbc.update("insert into writes (id) values (default)");
	}

	private static Object settle(CompletableFuture<?> pending) throws InterruptedException {
		try {
			return pending.get(20, TimeUnit.SECONDS);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			return ex.getCause();
		}
		catch (java.util.concurrent.TimeoutException ex) {
			throw new AssertionError("the asynchronous call never completed", ex);
		}
	}

	/**
	 * Whether B, another instance, could take a lock that must exclude A's on {@code key} right now: hand-written
	 * Redisson on B's own client, so that the check does not depend on the code under test.
	 */
	private static boolean tryRival(Kind kind, String key) {
		String name = clients.prefix() + ":" + key;
		org.redisson.api.RLock rival = (kind == Kind.READ || kind == Kind.WRITE)
				? clients.b().getReadWriteLock(name).writeLock() : clients.b().getLock(name);
		try {
			if (!rival.tryLock(0, -1, TimeUnit.MILLISECONDS)) {
				return false;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		rival.unlock();
		return true;
	}

	private static boolean eventually(Supplier<Boolean> condition) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (System.nanoTime() < deadline) {
			if (condition.get()) {
				return true;
			}
			OrderLockTemplateTests.sleep(Duration.ofMillis(20));
		}
		return false;
	}

	private static LockKind lockKind(Kind kind) {
		return switch (kind) {
			case EXCLUSIVE, FENCED -> LockKind.EXCLUSIVE;
			case FAIR -> LockKind.FAIR;
			case READ -> LockKind.READ;
			case WRITE -> LockKind.WRITE;
		};
	}

	/** A small all-pairs generator: greedy, deterministic, every pair of values of any two dimensions covered. */
	static final class Pairwise {

		static <T> List<T> cover(List<Object[]> dimensions, java.util.function.Function<Object[], T> build,
				java.util.function.Predicate<T> valid) {
			List<Object[]> all = new ArrayList<>();
			product(dimensions, 0, new Object[dimensions.size()], all);
			List<Object[]> candidates = new ArrayList<>();
			for (Object[] values : all) {
				if (valid.test(build.apply(values))) {
					candidates.add(values);
				}
			}
			java.util.Set<String> uncovered = new java.util.HashSet<>();
			for (Object[] values : candidates) {
				uncovered.addAll(pairs(values));
			}
			List<T> chosen = new ArrayList<>();
			while (!uncovered.isEmpty()) {
				Object[] best = null;
				int bestCount = 0;
				for (Object[] values : candidates) {
					int count = 0;
					for (String pair : pairs(values)) {
						if (uncovered.contains(pair)) {
							count++;
						}
					}
					if (count > bestCount) {
						best = values;
						bestCount = count;
					}
				}
				uncovered.removeAll(pairs(best));
				chosen.add(build.apply(best));
			}
			return chosen;
		}

		private static void product(List<Object[]> dimensions, int index, Object[] current, List<Object[]> out) {
			if (index == dimensions.size()) {
				out.add(current.clone());
				return;
			}
			for (Object value : dimensions.get(index)) {
				current[index] = value;
				product(dimensions, index + 1, current, out);
			}
		}

		private static List<String> pairs(Object[] values) {
			List<String> pairs = new ArrayList<>();
			for (int i = 0; i < values.length; i++) {
				for (int j = i + 1; j < values.length; j++) {
					pairs.add(i + "=" + values[i] + "," + j + "=" + values[j]);
				}
			}
			return pairs;
		}

	}

}
