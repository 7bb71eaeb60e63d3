package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A hung holder cannot keep an order locked forever: past {@code maxHoldTime} its lock is released although the
 * watchdog would renew it, another instance gets it, and the holder's end fails with a lost lease.
 */
@Timeout(60)
class MaxHoldTimeTests {

	/** Short, so that the watchdog renews several times during a test. */
	private static final Duration WATCHDOG = Duration.ofSeconds(1);

	private static final Duration CAP = Duration.ofMillis(1500);

	private RedissonClient holderClient;

	private RedissonClient otherClient;

	private String prefix;

	@BeforeEach
	void startClients() {
		this.holderClient = TestClients.newClient(TestRedis.shared(), WATCHDOG);
		this.otherClient = TestClients.newClient(TestRedis.shared(), WATCHDOG);
		this.prefix = TestClients.uniquePrefix();
	}

	@AfterEach
	void stopClients() {
		this.holderClient.shutdown();
		this.otherClient.shutdown();
	}

	@Test
	void hungHolderLosesItsLockAtMaxHoldTimeAndItsEndFails() throws Exception {
		OrderLockTemplate holder = new OrderLockTemplate(this.holderClient, this.prefix, Duration.ZERO);
		holder.setMaxHoldTime(CAP);
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch wake = new CountDownLatch(1);
		long start = System.nanoTime();
		CompletableFuture<String> hung = CompletableFuture.supplyAsync(() -> holder.execute("42", () -> {
			entered.countDown();
			OrderLockTemplateTests.await(wake);
			return "paid";
		}));
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

		RLock other = this.otherClient.getLock(this.prefix + ":42");
		// Well past three watchdog renewals, but the cap frees it.
		assertThat(other.tryLock(10_000, 10_000, TimeUnit.MILLISECONDS)).isTrue();
		Duration heldFor = Duration.ofNanos(System.nanoTime() - start);
		other.unlock();
		assertThat(heldFor).isGreaterThanOrEqualTo(CAP.minusMillis(100)).isLessThan(CAP.plus(WATCHDOG));

		wake.countDown();
		assertThatThrownBy(() -> hung.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOf(OrderLockLeaseLostException.class)
			.hasMessageContaining("maxHoldTime");
		assertThat(holder.getLeaseLossCount()).isEqualTo(1);
	}

	@Test
	void callEndingBeforeMaxHoldTimeKeepsItsLockAndReleasesIt() {
		OrderLockTemplate holder = new OrderLockTemplate(this.holderClient, this.prefix, Duration.ZERO);
		holder.setMaxHoldTime(CAP);
		assertThat(holder.execute("42", () -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(200));
			return "paid";
		})).isEqualTo("paid");
		assertThat(this.otherClient.getLock(this.prefix + ":42").isLocked()).isFalse();
		assertThat(holder.getLeaseLossCount()).isZero();
		// The cap's timer was cancelled: nothing fires later.
		OrderLockTemplateTests.sleep(CAP.plusMillis(300));
		assertThat(holder.getLeaseLossCount()).isZero();
	}

	@Test
	void withoutACapTheWatchdogKeepsAHungHoldersLock() throws Exception {
		OrderLockTemplate holder = new OrderLockTemplate(this.holderClient, this.prefix, Duration.ZERO);
		try (HeldLock held = HeldLock.hold((body) -> holder.run("42", body))) {
			RLock other = this.otherClient.getLock(this.prefix + ":42");
			assertThat(other.tryLock(CAP.plus(WATCHDOG).toMillis(), 10_000, TimeUnit.MILLISECONDS))
				.as("control: the harness can see a lock kept by its watchdog")
				.isFalse();
		}
	}

}
