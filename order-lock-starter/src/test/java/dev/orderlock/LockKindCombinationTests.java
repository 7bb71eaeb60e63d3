package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every lock kind keeps the guarantees the default one has: a lock taken inside a running transaction is released
 * only after it completes, the hold-time cap releases it, and {@code order-lock.redis-timeout} changes nothing
 * while Redis answers. Real Redis, two clients standing for two instances.
 */
@Timeout(120)
class LockKindCombinationTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private OrderLockTemplate templateA;

	/** Instance B, giving up after 300 ms. */
	private OrderLockTemplate quickB;

	@BeforeEach
	void createTemplates() {
		this.templateA = clients.templateA(Duration.ofSeconds(20));
		this.quickB = clients.templateB(Duration.ofMillis(300));
	}

	@ParameterizedTest
	@EnumSource(LockKind.class)
	void takenInsideATransactionItIsReleasedOnlyAfterTheTransactionCompletes(LockKind kind) {
		TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(
				new DriverManagerDataSource("jdbc:h2:mem:lock-kinds;DB_CLOSE_DELAY=-1")));
		transaction.executeWithoutResult((status) -> {
			assertThat(this.templateA.execute(kind, "42", () -> "returned")).isEqualTo("returned");
			assertThatThrownBy(() -> onOtherThread(() -> this.quickB.execute(rival(kind), "42", () -> "too early")))
				.as("the other instance, before the commit")
				.hasRootCauseInstanceOf(OrderLockTimeoutException.class);
		});
		assertThat(onOtherThread(() -> this.quickB.execute(rival(kind), "42", () -> "after the commit")))
			.isEqualTo("after the commit");
	}

	@ParameterizedTest
	@EnumSource(LockKind.class)
	void theHoldTimeCapReleasesEveryKind(LockKind kind) throws Exception {
		this.templateA.setMaxHoldTime(Duration.ofMillis(300));
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch otherGotIt = new CountDownLatch(1);
		CompletableFuture<String> hung = CompletableFuture.supplyAsync(() -> this.templateA.execute(kind, "43", () -> {
			holding.countDown();
			await(otherGotIt);
			return "too late";
		}));
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		OrderLockTemplate patientB = clients.templateB(Duration.ofSeconds(10));
		assertThat(patientB.execute(rival(kind), "43", () -> "after the cap")).isEqualTo("after the cap");
		otherGotIt.countDown();
		assertThatThrownBy(hung::join).hasCauseInstanceOf(OrderLockLeaseLostException.class);
	}

	@ParameterizedTest
	@EnumSource(LockKind.class)
	void aRedisTimeoutChangesNothingWhileRedisAnswers(LockKind kind) throws Exception {
		this.templateA.setRedisTimeout(Duration.ofSeconds(1));
		this.quickB.setRedisTimeout(Duration.ofSeconds(1));
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> this.templateA.execute(kind, "44", () -> {
			holding.countDown();
			await(release);
			return "done";
		}));
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		assertThatThrownBy(() -> this.quickB.execute(rival(kind), "44", () -> "beside the holder"))
			.isInstanceOf(OrderLockTimeoutException.class);
		release.countDown();
		assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("done");
		assertThat(this.quickB.execute(rival(kind), "44", () -> "released")).isEqualTo("released");
	}

	/** The kind that the other instance cannot take beside {@code kind}: readers only exclude writers. */
	private static LockKind rival(LockKind kind) {
		return (kind == LockKind.READ) ? LockKind.WRITE : kind;
	}

	private static <T> T onOtherThread(Supplier<T> action) {
		return CompletableFuture.supplyAsync(action).join();
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
