package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.api.RLock;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OrderLockTemplate} against a real Redis, with two RedissonClients standing for two application instances.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class OrderLockTemplateTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	@BeforeEach
	void createTemplates() {
		this.templateA = clients.templateA(Duration.ofSeconds(5));
		this.templateB = clients.templateB(Duration.ofSeconds(5));
	}

	@AfterEach
	void stopExecutor() {
		this.executor.shutdownNow();
	}

	@Test
	void lockIsTheRedissonLockNamedPrefixColonKey() {
		boolean lockedInside = this.templateA.execute("42",
				() -> clients.b().getLock(clients.prefix() + ":42").isLocked());
		assertThat(lockedInside).isTrue();
		assertThat(clients.b().getLock(clients.prefix() + ":42").isLocked()).isFalse();
	}

	@Test
	void otherInstanceWaitsUntilTheHolderReturns() throws Exception {
		CompletableFuture<String> waiter;
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run("42", body))) {
			waiter = CompletableFuture.supplyAsync(() -> this.templateB.execute("42", () -> "after"), this.executor);
			Thread.sleep(300);
			assertThat(waiter).as("entered while the other instance held the lock").isNotDone();
		}
		assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("after");
	}

	@Test
	void differentOrdersDoNotWaitForEachOther() throws Exception {
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run("1", body))) {
			assertThat(this.templateB.execute("2", Duration.ZERO, null, () -> "ran")).isEqualTo("ran");
		}
	}

	@Test
	void busyLockTimesOutWithKeyAndWaitTimeAndDoesNotRunTheCode() throws Exception {
		AtomicBoolean ran = new AtomicBoolean();
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run("42", body))) {
			assertThatThrownBy(() -> this.templateB.execute("42", Duration.ofMillis(200), null, () -> ran.getAndSet(true)))
				.isInstanceOfSatisfying(OrderLockTimeoutException.class, (ex) -> {
					assertThat(ex.getKey()).isEqualTo("42");
					assertThat(ex.getWaitTime()).isEqualTo(Duration.ofMillis(200));
					assertThat(ex.getMessage()).contains(clients.prefix() + ":42").contains("PT0.2S");
				});
		}
		assertThat(ran).isFalse();
	}

	@Test
	void exceptionInsideTheCodeReachesTheCallerAndReleasesTheLock() {
		IllegalStateException failure = new IllegalStateException("payment declined");
		assertThatThrownBy(() -> this.templateA.run("42", () -> {
			throw failure;
		})).isSameAs(failure);
		assertThat(clients.b().getLock(clients.prefix() + ":42").isLocked()).isFalse();
		assertThat(this.templateB.execute("42", Duration.ZERO, null, () -> "free")).isEqualTo("free");
	}

	@Test
	void reentrantOnTheSameThread() {
		String result = this.templateA.execute("42",
				() -> this.templateA.execute("42", Duration.ZERO, null, () -> "nested"));
		assertThat(result).isEqualTo("nested");
		assertThat(clients.b().getLock(clients.prefix() + ":42").isLocked()).isFalse();
	}

	@Test
	void nestedCallsOnOneKeyInsideATransactionReleaseOnlyAfterItCompletes() throws Exception {
		TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(
				new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2).generateUniqueName(true).build()));
		RLock seenFromB = clients.b().getLock(clients.prefix() + ":42");
		transaction.executeWithoutResult((status) -> {
			this.templateA.run("42", () -> this.templateA.run("42", () -> {
			}));
			assertThat(seenFromB.isLocked()).as("released before the transaction completed").isTrue();
		});
		assertThat(seenFromB.isLocked()).as("still held after the transaction completed").isFalse();
		assertThat(this.templateB.execute("42", Duration.ZERO, null, () -> "free")).isEqualTo("free");
	}

	@Test
	void interruptWhileWaitingFailsAndKeepsTheInterruptFlag() throws Exception {
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicBoolean flagAfter = new AtomicBoolean();
		AtomicBoolean ran = new AtomicBoolean();
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run("42", body))) {
			Thread waiter = new Thread(() -> {
				try {
					this.templateB.execute("42", Duration.ofSeconds(20), null, () -> ran.getAndSet(true));
				}
				catch (Throwable ex) {
					failure.set(ex);
				}
				flagAfter.set(Thread.currentThread().isInterrupted());
			});
			waiter.start();
			Thread.sleep(300);
			waiter.interrupt();
			waiter.join(10_000);
		}
		assertThat(failure.get()).isInstanceOf(OrderLockException.class).hasMessageContaining("Interrupted");
		assertThat(flagAfter).isTrue();
		assertThat(ran).isFalse();
	}

	@Test
	void blankKeyIsRejectedWithoutRunningTheCode() {
		AtomicBoolean ran = new AtomicBoolean();
		assertThatThrownBy(() -> this.templateA.execute(" ", () -> ran.getAndSet(true)))
			.isInstanceOf(OrderLockException.class)
			.hasMessageContaining("blank");
		assertThat(ran).isFalse();
	}

	@Test
	void leaseLostWhileRunningFailsTheCallLogsTheKeyAndIsCounted(CapturedOutput output) {
		AtomicBoolean ran = new AtomicBoolean();
		assertThatThrownBy(() -> this.templateA.execute("42", Duration.ZERO, Duration.ofMillis(300), () -> {
			sleep(Duration.ofMillis(800));
			return ran.getAndSet(true);
		})).isInstanceOfSatisfying(OrderLockLeaseLostException.class, (ex) -> {
			assertThat(ex.getKey()).isEqualTo("42");
			assertThat(ex.getMessage()).contains(clients.prefix() + ":42").contains("no longer held");
		});
		assertThat(ran).as("the code ran; its caller must not report success").isTrue();
		assertThat(this.templateA.getLeaseLossCount()).isEqualTo(1);
		assertThat(output).contains("Lock '" + clients.prefix() + ":42' of key '42'")
			.contains("was lost before it was released");
	}

	@Test
	void failureOfTheCodeIsKeptWhenTheLeaseWasLostAndCarriesTheLoss(CapturedOutput output) {
		IllegalStateException failure = new IllegalStateException("declined");
		assertThatThrownBy(() -> this.templateA.execute("42", Duration.ZERO, Duration.ofMillis(300), () -> {
			sleep(Duration.ofMillis(800));
			throw failure;
		})).isSameAs(failure);
		assertThat(failure.getSuppressed()).singleElement().isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.templateA.getLeaseLossCount()).isEqualTo(1);
		assertThat(output).contains("was lost before it was released");
	}

	@Test
	void callThatKeepsItsLeaseIsNotCountedAsALoss() {
		assertThat(this.templateA.execute("42", () -> "paid")).isEqualTo("paid");
		assertThat(this.templateA.getLeaseLossCount()).isZero();
	}

	static void await(CountDownLatch latch) {
		try {
			if (!latch.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("latch not released");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
