package dev.orderlock;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.orderlock.testredis.RedisCommandStats;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.api.RedissonClient;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Knowing a lost lock early (issue 14, part 2): {@link OrderLockContext#checkStillHeld()} before an irreversible
 * step, and the background lease check that finds a lock lost while its holder still runs, on two instances of a
 * real Redis. Instance A's watchdog lease is 1 s, so its check runs every third of a second.
 */
@ExtendWith(OutputCaptureExtension.class)
class LeaseCheckTests {

	private TestRedis redis;

	private RedissonClient a;

	private RedissonClient b;

	private String prefix;

	private OrderLockTemplate templateA;

	@BeforeEach
	void start() {
		this.redis = TestRedis.start();
		this.a = TestClients.newClient(this.redis, Duration.ofSeconds(1));
		this.b = TestClients.newClient(this.redis);
		this.prefix = TestClients.uniquePrefix();
		this.templateA = new OrderLockTemplate(this.a, this.prefix, Duration.ofSeconds(5));
	}

	@AfterEach
	void stop() {
		this.a.shutdown();
		this.b.shutdown();
		this.redis.close();
	}

	@Test
	void checkOutsideALockHasNothingToCheck() {
		assertThat(OrderLockContext.checkStillHeld()).isFalse();
	}

	@Test
	void checkWhileTheLockIsOursCostsOneRoundTripAndPasses() {
		RedisCommandStats stats = new RedisCommandStats(this.redis);
		boolean checked = this.templateA.execute("5", () -> {
			stats.reset();
			boolean result = OrderLockContext.checkStillHeld();
			assertThat(calls(stats)).as("one HEXISTS, nothing else").containsExactly(Map.entry("hexists", 1L));
			return result;
		});
		assertThat(checked).isTrue();
		assertThat(this.templateA.getLeaseLossCount()).isZero();
	}

	@Test
	void aLockTakenAwayWhileTheCodeRunsIsFoundByTheBackgroundCheckThenTheCheckFailsWithoutRedis(
			CapturedOutput output) throws Exception {
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch lossSeen = new CountDownLatch(1);
		RedisCommandStats stats = new RedisCommandStats(this.redis);
		AtomicReference<Throwable> checked = new AtomicReference<>();
		CompletableFuture<Throwable> call = CompletableFuture.supplyAsync(() -> {
			try {
				this.templateA.run("6", () -> {
					holding.countDown();
					await(lossSeen);
					stats.reset();
					try {
						OrderLockContext.checkStillHeld();
					}
					catch (RuntimeException ex) {
						checked.set(ex);
						// Redisson's watchdog may renew meanwhile (and find the lock gone); the check asks nothing.
						assertThat(calls(stats)).as("the loss was known: no round trip").doesNotContainKey("hexists");
					}
				});
				return null;
			}
			catch (Throwable ex) {
				return ex;
			}
		});
		assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
		// Another instance (an operator, or a lease that lapsed during a pause) frees it; the holder runs on.
		this.b.getLock(this.prefix + ":6").forceUnlock();

		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (this.templateA.getLeaseLossCount() == 0 && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(this.templateA.getLeaseLossCount()).as("found while the code still runs").isEqualTo(1);
		assertThat(this.templateA.currentHolds()).singleElement().extracting(OrderLockHold::leaseLost).isEqualTo(true);
		assertThat(call).isNotDone();
		lossSeen.countDown();

		assertThat(call.get(5, TimeUnit.SECONDS)).as("the release, too, finds it lost")
			.isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(checked.get()).as("the check before the irreversible step").isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.templateA.getLeaseLossCount()).as("counted once").isEqualTo(1);
		assertThat(output.getOut().split("was found lost while the code still ran", -1)).as("logged once").hasSize(2);
	}

	@Test
	void aCheckThatFindsTheLockGoneFailsTheStepAndTheCallReportsTheLossOnce() {
		assertThatThrownBy(() -> this.templateA.execute("8", () -> {
			this.b.getLock(this.prefix + ":8").forceUnlock();
			OrderLockContext.checkStillHeld();
			return "charged";
		})).isInstanceOfSatisfying(OrderLockLeaseLostException.class,
				(lost) -> assertThat(lost.isFoundAtRelease()).as("the step was not taken").isFalse());
		assertThat(this.templateA.getLeaseLossCount()).isEqualTo(1);
	}

	@Test
	void aLossFoundOnlyAtTheReleaseSaysTheCodeRanToItsEndAndItsCommitStands() {
		TestTransactions tx = TestTransactions.create("orders (id int)");
		assertThatThrownBy(() -> this.templateA.execute("10", () -> {
			tx.requiresNew().executeWithoutResult((status) -> tx.jdbc().update("insert into orders values (10)"));
			this.b.getLock(this.prefix + ":10").forceUnlock();
			return "paid";
		})).isInstanceOfSatisfying(OrderLockLeaseLostException.class,
				(lost) -> assertThat(lost.isFoundAtRelease()).isTrue());
		assertThat(tx.jdbc().queryForObject("select count(*) from orders", Integer.class)).as("committed").isEqualTo(1);
	}

	@Test
	void aLossFoundBeforeTheCommitSaysTheCommitDidNotHappen() {
		TestTransactions tx = TestTransactions.create("orders (id int)");
		assertThatThrownBy(() -> this.templateA.execute("11", () -> {
			tx.requiresNew().executeWithoutResult((status) -> {
				tx.jdbc().update("insert into orders values (11)");
				this.b.getLock(this.prefix + ":11").forceUnlock();
			});
			return "paid";
		})).isInstanceOfSatisfying(OrderLockLeaseLostException.class,
				(lost) -> assertThat(lost.isFoundAtRelease()).isFalse());
		assertThat(tx.jdbc().queryForObject("select count(*) from orders", Integer.class)).as("rolled back").isZero();
	}

	@Test
	void theCheckCombinedWithSeveralOrdersAnAsynchronousCallTheLocalHandOffAndTheCap() throws Exception {
		// Several orders: one of them taken away is enough to refuse the step.
		assertThatThrownBy(() -> this.templateA.execute(java.util.List.of("20", "21"), () -> {
			this.b.getLock(this.prefix + ":21").forceUnlock();
			OrderLockContext.checkStillHeld();
			return "charged";
		})).isInstanceOfSatisfying(OrderLockLeaseLostException.class,
				(lost) -> assertThat(lost.isFoundAtRelease()).isFalse());

		// A CompletionStage call checks while it builds its work, owned by the call, and is listed as such.
		CompletableFuture<String> owner = this.templateA.executeAsync(LockRequest.of("22"), (lock) -> {
			assertThat(OrderLockContext.checkStillHeld()).isTrue();
			return CompletableFuture.completedFuture(this.templateA.currentHolds().get(0).owner());
		});
		assertThat(owner.get(5, TimeUnit.SECONDS)).startsWith("call ");

		// With the local hand-off on, the check asks Redis as without it.
		OrderLockTemplate handOff = new OrderLockTemplate(this.a, this.prefix, Duration.ofSeconds(5));
		handOff.setLocalHandOff(true);
		assertThat(handOff.execute("23", OrderLockContext::checkStillHeld)).isTrue();

		// Past its maxHoldTime the lock is released: the check knows it without a round trip.
		RedisCommandStats stats = new RedisCommandStats(this.redis);
		assertThatThrownBy(() -> this.templateA.execute(LockRequest.of("24").maxHoldTime(Duration.ofMillis(200)),
				(lock) -> {
					Thread.sleep(500);
					stats.reset();
					try {
						return OrderLockContext.checkStillHeld();
					}
					finally {
						assertThat(calls(stats)).doesNotContainKey("hexists");
					}
				})).isInstanceOf(OrderLockLeaseLostException.class);
	}

	@Test
	void theCheckFailsClosedWhenRedisCannotTell() {
		assertThatThrownBy(() -> this.templateA.execute("9", () -> {
			this.redis.stop();
			OrderLockContext.checkStillHeld();
			return "charged";
		})).isInstanceOf(OrderLockUnavailableException.class).hasMessageContaining("Do not take the next");
	}

	/** The commands sent since the last reset, but the reset itself. */
	static Map<String, Long> calls(RedisCommandStats stats) {
		Map<String, Long> calls = new TreeMap<>(stats.calls());
		calls.remove("config|resetstat");
		return calls;
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
