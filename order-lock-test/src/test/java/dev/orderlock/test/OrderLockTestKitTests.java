package dev.orderlock.test;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.orderlock.OrderLockLeaseLostException;
import dev.orderlock.OrderLockTimeoutException;
import dev.orderlock.OrderLockUnavailableException;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The kit as a user's {@code @SpringBootTest} meets it: no Redis set-up, the assertions on a guarded service, and
 * another instance that holds an order, takes a lease away or takes Redis down. Every test uses an order id of its
 * own.
 */
@SpringBootTest(classes = KitTestApplication.class,
		properties = { "order-lock.wait-time=300ms", "order-lock.redis-timeout=1s", "spring.data.redis.timeout=1s",
				"spring.data.redis.connect-timeout=1s" })
@AutoConfigureTestRedis
@Timeout(90)
class OrderLockTestKitTests {

	@Autowired
	private Orders orders;

	@Autowired
	private ApplicationContext context;

	private OtherInstance other;

	private final String order = UUID.randomUUID().toString();

	@BeforeEach
	void otherInstance() {
		this.other = OtherInstance.of(this.context);
	}

	@AfterEach
	void closeOtherInstance() {
		this.other.close();
	}

	@Test
	void applicationRunsOnTheKitsRedisWithoutAnySetUp(@Autowired Environment environment) throws Exception {
		TestRedis redis = TestRedis.shared();
		assertThat(environment.getProperty("spring.data.redis.port")).isEqualTo(String.valueOf(redis.port()))
			.isNotEqualTo("6379");
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		CompletableFuture<String> paying = CompletableFuture
			.supplyAsync(() -> payWhenTold(this.order, entered, proceed));
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
		// The lock is in the kit's Redis, seen by a client of its own.
		assertThat(this.other.isLocked(this.order)).isTrue();
		proceed.countDown();
		assertThat(paying.get(10, TimeUnit.SECONDS)).isEqualTo("paid " + this.order);
		assertThat(this.other.isLocked(this.order)).isFalse();
	}

	@Test
	void assertHeldPassesInsideTheGuardedMethodAndFailsOutsideNamingTheKey() {
		assertThat(this.orders.pay(this.order)).isEqualTo("paid " + this.order);
		assertThatThrownBy(() -> this.orders.payUnguarded(this.order)).isInstanceOf(AssertionError.class)
			.hasMessageContaining("lock of order '" + this.order + "'")
			.hasMessageContaining("holds no order lock");
		assertThatThrownBy(() -> this.orders.payAssertingAnother(this.order, "other-order"))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("lock of order 'other-order'")
			.hasMessageContaining("holds only the locks of [" + this.order + "]");
		assertThatThrownBy(() -> OrderLockAssertions.assertHeld(this.order)).isInstanceOf(AssertionError.class);
	}

	@Test
	void assertRunsUnderLockPassesOnlyForCodeThatRanUnderThatOrdersLockInRedis() {
		OrderLockAssertions.assertRunsUnderLock(this.order, () -> this.orders.pay(this.order));
		assertThatThrownBy(
				() -> OrderLockAssertions.assertRunsUnderLock(this.order, () -> this.orders.payPlainly(this.order)))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("lock of order '" + this.order + "'")
			.hasMessageContaining("took no order lock at all");
		assertThatThrownBy(
				() -> OrderLockAssertions.assertRunsUnderLock(this.order, () -> this.orders.payUnderTheWrongKey(this.order)))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("lock of order '" + this.order + "'")
			.hasMessageContaining("payUnderTheWrongKey");
		assertThatThrownBy(() -> OrderLockAssertions.assertRunsUnderLock(this.order, () -> this.orders.pay("another")))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("none of the locks it took");
		assertThatThrownBy(() -> OrderLockAssertions.assertRunsUnderLock(this.order, () -> {
		})).isInstanceOf(AssertionError.class).hasMessageContaining("took no order lock at all");
	}

	@Test
	void assertRunsUnderLockFailsWhenTheLockWasLostWhileTheCodeRan() {
		OtherInstance.LeaseLoss loss = this.other.loseLeaseOnceAcquired(this.order);
		assertThatThrownBy(() -> OrderLockAssertions.assertRunsUnderLock(this.order, () -> {
			try {
				this.orders.pay(this.order);
			}
			catch (OrderLockLeaseLostException expected) {
				// Swallowed on purpose: the assertion must see the loss by itself.
			}
		})).isInstanceOf(AssertionError.class).hasMessageContaining("lost it");
		assertThat(loss.happened()).isTrue();
	}

	@Test
	void holdOfTheOtherInstanceMakesTheCallTimeOutWithoutRunningIt() {
		int before = this.orders.paymentsRun();
		try (OtherInstance.Hold hold = this.other.hold(this.order)) {
			assertThat(hold.isHeld()).isTrue();
			assertThatThrownBy(() -> this.orders.pay(this.order))
				.isInstanceOfSatisfying(OrderLockTimeoutException.class,
						(ex) -> assertThat(ex.getKey()).isEqualTo(this.order));
			assertThat(this.orders.paymentsRun()).isEqualTo(before);
		}
		assertThat(this.orders.pay(this.order)).isEqualTo("paid " + this.order);
	}

	@Test
	void holdFailsWhenTheApplicationHoldsTheOrder() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		CompletableFuture<String> paying = CompletableFuture
			.supplyAsync(() -> payWhenTold(this.order, entered, proceed));
		try {
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			assertThatThrownBy(() -> this.other.hold(this.order)).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("held already");
		}
		finally {
			proceed.countDown();
		}
		assertThat(paying.get(10, TimeUnit.SECONDS)).isEqualTo("paid " + this.order);
	}

	@Test
	void loseLeaseMakesTheRunningCallEndWithLeaseLost() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		CompletableFuture<String> paying = CompletableFuture
			.supplyAsync(() -> payWhenTold(this.order, entered, proceed));
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
		this.other.loseLease(this.order);
		// Another instance may take the order now: the lease is really gone.
		try (OtherInstance.Hold hold = this.other.hold(this.order)) {
			assertThat(hold.isHeld()).isTrue();
		}
		proceed.countDown();
		assertThatThrownBy(() -> paying.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOfSatisfying(OrderLockLeaseLostException.class,
					(ex) -> assertThat(ex.getKey()).isEqualTo(this.order));
	}

	@Test
	void loseLeaseFailsWhenNobodyHoldsTheOrder() {
		assertThatThrownBy(() -> this.other.loseLease(this.order)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("no lease to lose");
	}

	@Test
	void leaseLostOnceAcquiredRollsBackTheTransactionOfTheGuardedMethod() {
		OtherInstance.LeaseLoss loss = this.other.loseLeaseOnceAcquired(this.order);
		assertThat(loss.happened()).isFalse();
		assertThatThrownBy(() -> this.orders.record(this.order)).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(loss.happened()).isTrue();
		assertThat(this.orders.recorded(this.order)).isZero();
		// Once only: the next call keeps its lock and commits.
		this.orders.record(this.order);
		assertThat(this.orders.recorded(this.order)).isEqualTo(1);
	}

	@Test
	void redisUnavailableFailsTheCallUntilTheOutageEnds() {
		int before = this.orders.paymentsRun();
		try (OtherInstance.Outage outage = this.other.redisUnavailable()) {
			assertThatThrownBy(() -> this.orders.pay(this.order))
				.isInstanceOfSatisfying(OrderLockUnavailableException.class,
						(ex) -> assertThat(ex.getKey()).isEqualTo(this.order));
			assertThat(this.orders.paymentsRun()).isEqualTo(before);
		}
		assertThat(this.orders.pay(this.order)).isEqualTo("paid " + this.order);
	}

	private String payWhenTold(String order, CountDownLatch entered, CountDownLatch proceed) {
		try {
			return this.orders.payWhenTold(order, entered, proceed);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
