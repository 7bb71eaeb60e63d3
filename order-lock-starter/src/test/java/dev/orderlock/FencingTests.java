package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fenced locks hand the guarded code a token that grows with every acquisition of the same order, across instances,
 * so a holder that was paused past its lease cannot overwrite what the next holder wrote.
 */
@Timeout(60)
class FencingTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	private JdbcTemplate jdbc;

	@BeforeEach
	void createTemplatesAndTable() {
		this.templateA = clients.templateA(Duration.ofSeconds(10));
		this.templateB = clients.templateB(Duration.ofSeconds(10));
		this.jdbc = new JdbcTemplate(new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2)
			.generateUniqueName(true)
			.build());
		this.jdbc.execute("create table orders (id bigint primary key, status varchar(20), fence bigint default 0 not null)");
		this.jdbc.update("insert into orders (id, status) values (42, 'PENDING_PAYMENT')");
	}

	@Test
	void tokensOfOneOrderGrowWithEveryAcquisitionAcrossInstances() {
		long first = this.templateA.executeFenced("42", (token) -> token);
		long second = this.templateB.executeFenced("42", (token) -> token);
		long third = this.templateA.executeFenced("42", (token) -> token);
		assertThat(second).isGreaterThan(first);
		assertThat(third).isGreaterThan(second);
	}

	@Test
	void tokenIsReadableFromTheContextOnlyWhileTheFencedCodeRuns() {
		long seen = this.templateA.executeFenced("42",
				(token) -> OrderLockContext.currentFencingToken().orElseThrow() - token);
		assertThat(seen).isZero();
		assertThat(OrderLockContext.currentFencingToken()).isEmpty();
		assertThat(this.templateA.execute("42", () -> OrderLockContext.currentFencingToken())).isEmpty();
	}

	@Test
	void fencedAndPlainLocksOfOneKeyExcludeEachOther() throws Exception {
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.executeFenced("42", (token) -> {
			body.run();
			return null;
		}))) {
			assertThatThrownBy(() -> this.templateB.execute("42", Duration.ofMillis(200), null, () -> "plain"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run("42", body))) {
			assertThatThrownBy(() -> this.templateB.execute(LockRequest.of("42").waitTime(Duration.ofMillis(200))
				.maxHoldTime(Duration.ofSeconds(5)).fenced(true).name("test"), (lock) -> "fenced"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
	}

	@Test
	void interruptWhileWaitingForAFencedLockFailsAndKeepsTheInterruptFlag() throws Exception {
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicBoolean flagAfter = new AtomicBoolean();
		AtomicBoolean ran = new AtomicBoolean();
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run("42", body))) {
			Thread waiter = new Thread(() -> {
				try {
					this.templateB.executeFenced("42", (token) -> ran.getAndSet(true));
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
		assertThat(failure.get()).isInstanceOf(OrderLockException.class)
			.isNotInstanceOf(OrderLockTimeoutException.class)
			.hasMessageContaining("Interrupted");
		assertThat(flagAfter).isTrue();
		assertThat(ran).isFalse();
	}

	@Test
	void holderPausedPastItsLeaseCannotOverwriteTheNewerHoldersWrite() throws Exception {
		CompletableFuture<Integer> paused = pausedHolderWrites("PAID", true);
		assertThatThrownBy(() -> paused.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.jdbc.queryForObject("select status from orders where id = 42", String.class))
			.isEqualTo("CANCELLED");
		assertThat(updatedByPausedHolder).as("rows the paused holder's fenced write changed").isZero();
	}

	@Test
	void controlWithoutTheFenceConditionThePausedHolderOverwrites() throws Exception {
		CompletableFuture<Integer> paused = pausedHolderWrites("PAID", false);
		assertThatThrownBy(() -> paused.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.jdbc.queryForObject("select status from orders where id = 42", String.class))
			.as("the harness must be able to see the stale write").isEqualTo("PAID");
	}

	private volatile int updatedByPausedHolder = -1;

	/**
	 * Instance A takes the fenced lock with a 300 ms lease and pauses (a GC pause, a slow gateway) for 1 s; instance
	 * B takes it after the lease lapsed and cancels; then A wakes up and writes.
	 */
	private CompletableFuture<Integer> pausedHolderWrites(String status, boolean fenced) throws Exception {
		CountDownLatch tokenTaken = new CountDownLatch(1);
		CompletableFuture<Integer> paused = CompletableFuture.supplyAsync(() -> {
			try {
				return this.templateA.execute(LockRequest.of("42").waitTime(Duration.ZERO)
					.leaseTime(Duration.ofMillis(300)).fenced(true).name("paused"), (lock) -> {
					long token = OrderLockContext.currentFencingToken().orElseThrow();
					tokenTaken.countDown();
					OrderLockTemplateTests.sleep(Duration.ofSeconds(1));
					this.updatedByPausedHolder = write(status, token, fenced);
					return this.updatedByPausedHolder;
				});
			}
			catch (RuntimeException ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new IllegalStateException(ex);
			}
		});
		assertThat(tokenTaken.await(10, TimeUnit.SECONDS)).isTrue();
		int cancelled = this.templateB.executeFenced("42", (token) -> write("CANCELLED", token, true));
		assertThat(cancelled).as("the newer holder's write").isEqualTo(1);
		return paused;
	}

	private int write(String status, long token, boolean fenced) {
		return fenced
				? this.jdbc.update("update orders set status = ?, fence = ? where id = 42 and fence < ?", status, token,
						token)
				: this.jdbc.update("update orders set status = ? where id = 42", status);
	}

}
