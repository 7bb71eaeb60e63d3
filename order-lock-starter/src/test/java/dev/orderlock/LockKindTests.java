package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.api.RLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The kinds other than the default, each showing what it does differently, against a real Redis with two
 * RedissonClients standing for two instances.
 */
@Timeout(120)
class LockKindTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	/** Instance B, giving up after 300 ms. */
	private OrderLockTemplate quickB;

	@BeforeEach
	void createTemplates() {
		this.templateA = clients.templateA(Duration.ofSeconds(20));
		this.templateB = clients.templateB(Duration.ofSeconds(20));
		this.quickB = clients.templateB(Duration.ofMillis(300));
	}

	@AfterEach
	void stopExecutor() {
		this.executor.shutdownNow();
	}

	@Test
	void readersOnTwoInstancesRunAtTheSameTime() throws Exception {
		try (HeldLock reading = hold(this.templateA, LockKind.READ, "42")) {
			assertThat(this.quickB.execute(LockKind.READ, "42", () -> "read beside the other reader")).isNotNull();
		}
	}

	@Test
	void writeWaitsForAReaderOnAnotherInstance() throws Exception {
		try (HeldLock reading = hold(this.templateA, LockKind.READ, "42")) {
			assertThatThrownBy(() -> this.quickB.execute(LockKind.WRITE, "42", () -> "changed under a reader"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(this.quickB.execute(LockKind.WRITE, "42", () -> "changed")).isEqualTo("changed");
	}

	@Test
	void readWaitsForAWriterOnAnotherInstance() throws Exception {
		try (HeldLock writing = hold(this.templateA, LockKind.WRITE, "42")) {
			assertThatThrownBy(() -> this.quickB.execute(LockKind.READ, "42", () -> "read a half-made change"))
				.isInstanceOf(OrderLockTimeoutException.class);
			assertThatThrownBy(() -> this.quickB.execute(LockKind.WRITE, "42", () -> "second writer"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(this.quickB.execute(LockKind.READ, "42", () -> "read")).isEqualTo("read");
	}

	@Test
	void fairWaitersOnTwoInstancesGetTheLockInArrivalOrder() throws Exception {
		List<Integer> entered = new CopyOnWriteArrayList<>();
		List<CompletableFuture<Void>> waiters = new ArrayList<>();
		try (HeldLock holding = hold(this.templateA, LockKind.FAIR, "42")) {
			for (int i = 0; i < 5; i++) {
				int arrival = i;
				OrderLockTemplate instance = (i % 2 == 0) ? this.templateB : this.templateA;
				waiters.add(CompletableFuture.runAsync(() -> instance.execute(LockKind.FAIR, "42", () -> {
					entered.add(arrival);
					OrderLockTemplateTests.sleep(Duration.ofMillis(20));
					return null;
				}), this.executor));
				// Long enough for the waiter's acquire script to have queued it in Redis.
				Thread.sleep(200);
			}
			assertThat(entered).as("nobody enters while the lock is held").isEmpty();
		}
		CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		assertThat(entered).containsExactly(0, 1, 2, 3, 4);
	}

	@Test
	void aNewcomerCannotOvertakeAQueuedWaiterOfAFairLockButCanOfTheDefault() throws Exception {
		assertThat(newcomerOvertakes(LockKind.FAIR, "fair")).as("fair: the queued waiter always goes first").isZero();
		assertThat(newcomerOvertakes(LockKind.EXCLUSIVE, "exclusive"))
			.as("default: a caller arriving as the lock is released may take it before the waiter").isPositive();
	}

	/** Over 10 rounds: a waiter on B is queued; A releases and at once tries again without waiting. */
	private int newcomerOvertakes(LockKind kind, String key) throws Exception {
		int overtakes = 0;
		for (int round = 0; round < 10; round++) {
			String roundKey = key + "-" + round;
			RLock lock = (kind == LockKind.FAIR) ? clients.a().getFairLock(clients.prefix() + ":" + roundKey)
					: clients.a().getLock(clients.prefix() + ":" + roundKey);
			CountDownLatch locked = new CountDownLatch(1);
			CountDownLatch proceed = new CountDownLatch(1);
			List<String> firstAfterTheRelease = new CopyOnWriteArrayList<>();
			CompletableFuture<Void> holderThenNewcomer = CompletableFuture.runAsync(() -> {
				lock.lock();
				locked.countDown();
				OrderLockTemplateTests.await(proceed);
				lock.unlock();
				try {
					if (lock.tryLock(0, -1, TimeUnit.MILLISECONDS)) {
						firstAfterTheRelease.add("newcomer");
						Thread.sleep(100);
						lock.unlock();
					}
				}
				catch (InterruptedException ex) {
					throw new IllegalStateException(ex);
				}
			}, this.executor);
			OrderLockTemplateTests.await(locked);
			CompletableFuture<Void> waiter = CompletableFuture.runAsync(
					() -> this.templateB.execute(kind, roundKey, () -> firstAfterTheRelease.add("waiter")),
					this.executor);
			Thread.sleep(200);
			proceed.countDown();
			waiter.get(10, TimeUnit.SECONDS);
			holderThenNewcomer.get(10, TimeUnit.SECONDS);
			if (firstAfterTheRelease.get(0).equals("newcomer")) {
				overtakes++;
			}
		}
		System.out.println("Newcomer overtook a queued waiter, " + kind + ": " + overtakes + " of 10 rounds");
		return overtakes;
	}

	@Test
	void fairAndExclusiveLocksOfOneOrderExcludeEachOther() throws Exception {
		try (HeldLock holding = hold(this.templateA, LockKind.FAIR, "42")) {
			assertThatThrownBy(() -> this.quickB.execute("42", () -> "beside a fair holder"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		try (HeldLock holding = hold(this.templateA, LockKind.EXCLUSIVE, "43")) {
			assertThatThrownBy(() -> this.quickB.execute(LockKind.FAIR, "43", () -> "beside an exclusive holder"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
	}

	/** Why read/write and exclusive methods may not be mixed: Redisson grants a write lock beside a plain one. */
	@Test
	void redissonsWriteLockDoesNotExcludeAPlainLockOfTheSameName() throws Exception {
		try (HeldLock holding = hold(this.templateA, LockKind.EXCLUSIVE, "42")) {
			RLock write = clients.b().getReadWriteLock(clients.prefix() + ":42").writeLock();
			boolean granted = write.tryLock(0, -1, TimeUnit.MILLISECONDS);
			if (granted) {
				write.unlock();
			}
			assertThat(granted).as("write lock granted while the exclusive lock is held").isTrue();
		}
	}

	@Test
	void severalOrdersOfOneKindAreLockedTogether() throws Exception {
		try (HeldLock reading = hold(this.templateA, LockKind.READ, "2")) {
			assertThat(this.quickB.execute(LockKind.READ, List.of("1", "2"), () -> "read both")).isNotNull();
			assertThatThrownBy(() -> this.quickB.execute(LockKind.WRITE, List.of("1", "2"), () -> "wrote both"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(clients.b().getReadWriteLock(clients.prefix() + ":1").writeLock().isLocked()).isFalse();
	}

	private static HeldLock hold(OrderLockTemplate template, LockKind kind, String key) throws InterruptedException {
		return HeldLock.hold((body) -> template.execute(kind, key, () -> {
			body.run();
			return null;
		}));
	}

}
