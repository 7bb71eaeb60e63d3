package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where features meet in the one lifecycle (issue 12): transactions begun inside a bound lock, the hold-time cap
 * against a commit, against reentrant holds and against the local queue, reentrancy through the local queue, and
 * observers that throw. Two instances (separate RedissonClients) on one real Redis; each test failed before the
 * lifecycle was unified.
 */
@Timeout(60)
class LockLifecycleTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	private JdbcTemplate jdbc;

	private TransactionTemplate transaction;

	private TransactionTemplate requiresNew;

	@BeforeEach
	void setUp() {
		this.templateA = clients.templateA(Duration.ofSeconds(10));
		this.templateB = clients.templateB(Duration.ofSeconds(10));
		TestTransactions transactions = TestTransactions.create("payments (order_id varchar(20) primary key)");
		this.jdbc = transactions.jdbc();
		this.transaction = transactions.transaction();
		this.requiresNew = transactions.requiresNew();
	}

	@Test
	void transactionBegunInsideALockBoundToAnOuterOneChecksTheLockBeforeItCommits() {
		assertThatThrownBy(() -> this.transaction.executeWithoutResult((outer) -> this.templateA.run("42", () -> {
			// The lock is bound to the outer transaction; a new one begins inside and the lock is lost meanwhile.
			this.requiresNew.executeWithoutResult((inner) -> {
				this.jdbc.update("insert into payments values ('42')");
				clients.a().getKeys().delete(clients.prefix() + ":42");
			});
		}))).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.jdbc.queryForObject("select count(*) from payments", Integer.class))
			.as("rows committed by the inner transaction after the lock was lost")
			.isZero();
	}

	@Test
	void holdTimeCapReachedWhileABoundTransactionCommitsWaitsForTheCommit() throws Exception {
		CountDownLatch committing = new CountDownLatch(1);
		AtomicLong commitEndedAt = new AtomicLong();
		CompletableFuture<String> paying = CompletableFuture.supplyAsync(() -> this.transaction.execute((status) ->
				this.templateA.execute(LockRequest.of("42").maxHoldTime(Duration.ofMillis(300)), (lock) -> {
					this.jdbc.update("insert into payments values ('42')");
					TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

						@Override
						public void beforeCommit(boolean readOnly) {
							// A slow commit: the cap (300 ms) falls in the middle of it.
							committing.countDown();
							OrderLockTemplateTests.sleep(Duration.ofMillis(900));
						}

						@Override
						public void afterCommit() {
							commitEndedAt.set(System.nanoTime());
						}

					});
					return "paid";
				})));
		assertThat(committing.await(10, TimeUnit.SECONDS)).isTrue();
		long takenOverAt = this.templateB.execute("42", System::nanoTime);
		assertThat(paying.get(10, TimeUnit.SECONDS)).as("the caller's answer").isEqualTo("paid");
		assertThat(this.jdbc.queryForObject("select count(*) from payments", Integer.class)).isEqualTo(1);
		assertThat(takenOverAt).as("the other instance took the order only after the commit")
			.isGreaterThan(commitEndedAt.get());
	}

	@Test
	void holdTimeCapFreesTheOrderWhateverTheNesting() {
		CompletableFuture<String> holding = CompletableFuture.supplyAsync(() -> this.templateA.execute("42",
				() -> this.templateA.execute(LockRequest.of("42").maxHoldTime(Duration.ofMillis(300)), (lock) -> {
					OrderLockTemplateTests.sleep(Duration.ofMillis(2500));
					return "hung";
				})));
		OrderLockTemplateTests.sleep(Duration.ofMillis(100));
		assertThat(this.templateB.execute(LockRequest.of("42").waitTime(Duration.ofMillis(1500)), (OrderLockStatus lock) -> "taken"))
			.as("the other instance, after the inner hold's cap")
			.isEqualTo("taken");
		assertThatThrownBy(holding::join).hasCauseInstanceOf(OrderLockLeaseLostException.class);
	}

	@Test
	void localHandOffKeepsReentrancyInsideATransaction() throws Exception {
		this.templateA.setLocalHandOff(true);
		CompletableFuture<String> waiter = new CompletableFuture<>();
		String second = this.transaction.execute((status) -> {
			this.templateA.execute("42", () -> "first");
			// Another caller of this instance queues for the order while it stays locked until the commit.
			CompletableFuture.runAsync(() -> waiter.complete(this.templateA.execute("42", () -> "waiter")));
			OrderLockTemplateTests.sleep(Duration.ofMillis(300));
			return this.templateA.execute(LockRequest.of("42").waitTime(Duration.ofSeconds(1)), (lock) -> "second");
		});
		assertThat(second).isEqualTo("second");
		assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("waiter");
	}

	@Test
	void localHandOffKeepsReentrancyOfAnOrderNestedInSeveralOrders() throws Exception {
		this.templateA.setLocalHandOff(true);
		CompletableFuture<String> waiter = new CompletableFuture<>();
		String nested = this.templateA.execute(List.of("1", "2"), () -> {
			CompletableFuture.runAsync(() -> waiter.complete(this.templateA.execute("1", () -> "waiter")));
			OrderLockTemplateTests.sleep(Duration.ofMillis(300));
			return this.templateA.execute(LockRequest.of("1").waitTime(Duration.ofSeconds(1)), (lock) -> "nested");
		});
		assertThat(nested).isEqualTo("nested");
		assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("waiter");
	}

	@Test
	void holdTimeCapAlsoEndsTheLocalTurn() {
		this.templateA.setLocalHandOff(true);
		CompletableFuture<String> hung = CompletableFuture.supplyAsync(() -> this.templateA
			.execute(LockRequest.of("42").maxHoldTime(Duration.ofMillis(300)), (lock) -> {
				OrderLockTemplateTests.sleep(Duration.ofMillis(3000));
				return "hung";
			}));
		OrderLockTemplateTests.sleep(Duration.ofMillis(100));
		assertThat(this.templateA.execute(LockRequest.of("42").waitTime(Duration.ofMillis(1500)), (OrderLockStatus lock) -> "next"))
			.as("the next caller of the hung holder's own instance")
			.isEqualTo("next");
		assertThatThrownBy(hung::join).hasCauseInstanceOf(OrderLockLeaseLostException.class);
	}

	@Test
	void observerThatThrowsNeitherLeaksTheLockNorChangesTheOutcome() {
		this.templateA.setObserver((origin) -> new LockObserver.Attempt() {

			@Override
			public void acquired() {
				throw new IllegalStateException("meter registry broken");
			}

			@Override
			public void released() {
				throw new IllegalStateException("meter registry broken");
			}

			@Override
			public void ended(@Nullable Throwable failure) {
				throw new IllegalStateException("meter registry broken");
			}

		});
		assertThat(this.templateA.execute("42", () -> "ran")).isEqualTo("ran");
		assertThat(this.templateB.execute(LockRequest.of("42").waitTime(Duration.ofMillis(500)), (OrderLockStatus lock) -> "free"))
			.isEqualTo("free");
		this.templateA.setObserver((origin) -> {
			throw new IllegalStateException("observation handler broken");
		});
		assertThat(this.templateA.execute("42", () -> "ran again")).isEqualTo("ran again");
	}

	@Test
	void requestHandsTheCallbackItsKeysAndToken() throws Exception {
		long first = this.templateA.execute(LockRequest.of("42").fenced(true),
				(lock) -> lock.fencingToken().getAsLong());
		OrderLockStatus status = this.templateB.execute(LockRequest.of(List.of("9", "10", "9")), (lock) -> lock);
		assertThat(status.keys()).containsExactly("10", "9");
		assertThat(status.fencingToken()).isEmpty();
		assertThat(this.templateB.execute(LockRequest.of("42").fenced(true), (OrderLockStatus lock) -> lock.fencingToken().getAsLong()))
			.isGreaterThan(first);
		// A callback may throw checked exceptions, which reach the caller unchanged.
		assertThatThrownBy(() -> this.templateA.execute(LockRequest.of("42"), (lock) -> {
			throw new java.io.IOException("gateway down");
		})).isInstanceOf(java.io.IOException.class);
	}

	@Test
	void optionsThatCannotWorkTogetherAreRefusedWhenTheRequestIsBuilt() {
		assertThatThrownBy(() -> LockRequest.of(List.of("1", "2")).fenced(true))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("fencing token belongs to one order");
		assertThatThrownBy(() -> LockRequest.of("1").kind(LockKind.READ).fenced(true))
			.hasMessageContaining("only the exclusive lock hands out fencing tokens");
		assertThatThrownBy(() -> LockRequest.of(List.of("1", "2")).leaseTime(Duration.ofSeconds(1)))
			.hasMessageContaining("fixed leaseTime");
	}

}
