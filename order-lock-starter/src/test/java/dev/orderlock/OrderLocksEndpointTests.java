package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.orderlock.OrderLockInspector.Holder;
import dev.orderlock.actuate.OrderLocksEndpoint;
import dev.orderlock.actuate.OrderLocksEndpoint.HeldLockEntry;
import dev.orderlock.actuate.OrderLocksEndpoint.HeldLocks;
import dev.orderlock.actuate.OrderLocksEndpoint.LockState;
import dev.orderlock.actuate.OrderLocksEndpoint.Released;
import dev.orderlock.testredis.RedisCommandStats;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.api.RedissonClient;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code orderlocks} endpoint (issue 14) on two instances of one real Redis, A and B, each with its own
 * template, inspector and endpoint: what A lists, what B learns of A's locks without taking them, force-release (off
 * by default; when on, a live fenced holder's write is refused and its commit fails).
 */
@ExtendWith(OutputCaptureExtension.class)
class OrderLocksEndpointTests {

	private TestRedis redis;

	private RedissonClient a;

	private RedissonClient b;

	private String prefix;

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	private OrderLocksEndpoint endpointA;

	@BeforeEach
	void start() {
		// A Redis of its own: the round-trip counts below see only this test's commands.
		this.redis = TestRedis.start();
		this.a = TestClients.newClient(this.redis);
		this.b = TestClients.newClient(this.redis);
		this.prefix = TestClients.uniquePrefix();
		this.templateA = new OrderLockTemplate(this.a, this.prefix, Duration.ofSeconds(5));
		this.templateB = new OrderLockTemplate(this.b, this.prefix, Duration.ofMillis(300));
		this.endpointA = endpoint(this.templateA, this.a, false);
	}

	@AfterEach
	void stop() {
		this.a.shutdown();
		this.b.shutdown();
		this.redis.close();
	}

	@Test
	void listsTheLocksThisInstanceHoldsWithKeyKindMethodOwnerTransactionAndToken() throws Exception {
		TestTransactions tx = TestTransactions.create("orders (id int)");
		CountDownLatch listed = new CountDownLatch(1);
		CompletableFuture<HeldLocks> whileHeld = new CompletableFuture<>();
		Thread holder = new Thread(() -> tx.transaction().executeWithoutResult((status) -> this.templateA
			.execute(LockRequest.of("42\nforged").fenced(true).name("OrderService.pay(long)"), (lock) -> {
				whileHeld.complete(this.endpointA.locks());
				return null;
			})), "payment-thread");
		holder.start();
		HeldLocks locks = whileHeld.get(5, TimeUnit.SECONDS);
		holder.join(5000);

		assertThat(locks.clientId()).isEqualTo(this.a.getId());
		assertThat(locks.locks()).hasSize(1);
		HeldLockEntry held = locks.locks().get(0);
		assertThat(held.key()).as("rendered safely").isEqualTo("42\\nforged");
		assertThat(held.kind()).isEqualTo("EXCLUSIVE");
		assertThat(held.method()).isEqualTo("OrderService.pay(long)");
		assertThat(held.owner()).isEqualTo("thread payment-thread");
		assertThat(held.transactionBound()).isTrue();
		assertThat(held.fencingToken()).isNotNull().isPositive();
		assertThat(held.heldForMillis()).isNotNegative();
		assertThat(held.leaseLost()).isFalse();
		assertThat(this.endpointA.locks().locks()).as("released after the commit").isEmpty();
	}

	@Test
	void anotherInstanceLearnsWhoHoldsAnOrderInOneRoundTripWithoutTakingIt() throws Exception {
		OrderLocksEndpoint endpointB = endpoint(this.templateB, this.b, false);
		RedisCommandStats stats = new RedisCommandStats(this.redis);
		try (HeldLock paying = HeldLock.hold((body) -> this.templateA.run("7", body))) {
			endpointB.lock("7");
			stats.reset();
			WebEndpointResponse<Object> answer = endpointB.lock("7");
			// Redisson loads the script on first use; from then on one read-only script per question.
			Map<String, Long> calls = LeaseCheckTests.calls(stats);
			assertThat(calls).as("one read-only script, reading only")
				.containsExactlyInAnyOrderEntriesOf(Map.of("evalsha_ro", 1L, "type", 1L, "pttl", 1L, "hgetall", 1L));

			assertThat(answer.getStatus()).isEqualTo(200);
			LockState state = (LockState) answer.getBody();
			assertThat(state.locked()).isTrue();
			assertThat(state.lockName()).isEqualTo(this.prefix + ":7");
			assertThat(state.holders()).singleElement().satisfies((holder) -> {
				assertThat(holder.clientId()).as("A's Redisson id").isEqualTo(this.a.getId());
				assertThat(holder.thisInstance()).isFalse();
				assertThat(holder.holdCount()).isEqualTo(1);
			});
			assertThat(state.remainingLeaseMillis()).isPositive().isLessThanOrEqualTo(30_000);
			assertThat(this.endpointA.lock("7").getBody()).extracting("holders").asList().singleElement()
				.extracting("thisInstance").isEqualTo(true);
		}
		LockState free = (LockState) endpointB.lock("8").getBody();
		assertThat(free.locked()).isFalse();
		assertThat(free.holders()).isEmpty();
		assertThat(this.b.getKeys().countExists(this.prefix + ":8")).as("asking creates nothing").isZero();
	}

	@Test
	void badKeysAnswer400AndRedisDownAnswers503() {
		assertThat(this.endpointA.lock(" ").getStatus()).isEqualTo(400);
		assertThat(this.endpointA.lock("x".repeat(2000)).getStatus()).isEqualTo(400);
		this.redis.stop();
		assertThat(this.endpointA.lock("7").getStatus()).isEqualTo(503);
	}

	@Test
	void forceReleaseIsOffByDefaultAndLeavesTheLockHeld() throws Exception {
		try (HeldLock paying = HeldLock.hold((body) -> this.templateA.run("7", body))) {
			WebEndpointResponse<Object> answer = endpoint(this.templateB, this.b, false).release("7");
			assertThat(answer.getStatus()).isEqualTo(403);
			assertThat(answer.getBody()).extracting("detail").asString()
				.contains("order-lock.admin.force-release-enabled=true");
			assertThat(this.b.getLock(this.prefix + ":7").isLocked()).isTrue();
		}
	}

	@Test
	void forceReleaseOfALiveFencedHolderLetsTheOtherInstanceInAndRefusesTheHoldersWrite(CapturedOutput output)
			throws Exception {
		TestTransactions tx = TestTransactions.create("orders (id int primary key, status varchar(20), fence bigint)");
		tx.jdbc().update("insert into orders values (9, 'PENDING', 0)");
		OrderLockInspector inspectorB = new OrderLockInspector(this.b, this.prefix, 1024);
		OrderLocksEndpoint endpointB = new OrderLocksEndpoint(this.templateB, inspectorB, true);
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch takenOver = new CountDownLatch(1);
		AtomicInteger holdersRows = new AtomicInteger(-1);
		CompletableFuture<Throwable> holderOutcome = CompletableFuture.supplyAsync(() -> {
			try {
				tx.transaction().executeWithoutResult((status) -> this.templateA.execute(
						LockRequest.of("9").fenced(true), (lock) -> {
							holding.countDown();
							await(takenOver);
							holdersRows.set(fencedWrite(tx, "PAID", lock.fencingToken().getAsLong()));
							return null;
						}));
				return null;
			}
			catch (Throwable ex) {
				return ex;
			}
		});
		assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

		WebEndpointResponse<Object> answer = endpointB.release("9");
		Released released = (Released) answer.getBody();
		assertThat(released.released()).isTrue();
		assertThat(released.holders()).extracting(Holder::clientId).containsExactly(this.a.getId());
		assertThat(output).contains("Force-released the lock of key '9' held by");
		assertThat(inspectorB.getForceReleaseCount()).isEqualTo(1);

		int rowsOfB = tx.requiresNew().execute((status) -> this.templateB.execute(LockRequest.of("9").fenced(true),
				(lock) -> fencedWrite(tx, "CANCELLED", lock.fencingToken().getAsLong())));
		assertThat(rowsOfB).as("the other instance's fenced write").isEqualTo(1);
		takenOver.countDown();

		assertThat(holderOutcome.get(10, TimeUnit.SECONDS)).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(holdersRows.get()).as("the force-released holder's write, with its older token").isZero();
		assertThat(tx.jdbc().queryForObject("select status from orders where id = 9", String.class))
			.isEqualTo("CANCELLED");
		assertThat(endpointB.release("9").getBody()).extracting("released").isEqualTo(false);
		assertThat(inspectorB.getForceReleaseCount()).as("nothing freed: not counted").isEqualTo(1);
	}

	private static int fencedWrite(TestTransactions tx, String status, long token) {
		return tx.jdbc().update("update orders set status = ?, fence = ? where id = 9 and fence < ?", status, token,
				token);
	}

	private OrderLocksEndpoint endpoint(OrderLockTemplate template, RedissonClient client, boolean forceRelease) {
		return new OrderLocksEndpoint(template, new OrderLockInspector(client, this.prefix, 1024), forceRelease);
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
