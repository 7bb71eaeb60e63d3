package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OrderLockContext#isHeld} and {@link OrderLockContext#heldKeys}: which orders' locks the current thread runs
 * under, exactly while it does, and on no other thread.
 */
@Timeout(60)
class OrderLockContextTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private OrderLockTemplate template;

	@BeforeEach
	void createTemplate() {
		this.template = clients.templateA(Duration.ofSeconds(5));
	}

	@Test
	void keysAreHeldExactlyWhileTheGuardedCodeRuns() {
		assertThat(OrderLockContext.isHeld("42")).isFalse();
		assertThat(OrderLockContext.heldKeys()).isEmpty();
		List<Object> inside = this.template.execute("42",
				() -> List.of(OrderLockContext.isHeld("42"), OrderLockContext.isHeld("43"), OrderLockContext.heldKeys()));
		assertThat(inside).containsExactly(true, false, List.of("42"));
		assertThat(OrderLockContext.isHeld("42")).isFalse();
		assertThat(OrderLockContext.heldKeys()).isEmpty();
	}

	@Test
	void nestedLocksAreListedOutermostFirstEachOnce() {
		List<String> keys = this.template.execute("7", () -> this.template.execute(List.of("42", "7", "3"),
				() -> this.template.execute("7", OrderLockContext::heldKeys)));
		assertThat(keys).containsExactly("7", "3", "42");
		List<String> afterInner = this.template.execute("7", () -> {
			this.template.execute("42", () -> null);
			return OrderLockContext.heldKeys();
		});
		assertThat(afterInner).containsExactly("7");
	}

	@Test
	void anotherThreadDoesNotRunUnderTheCallersLock() {
		Boolean elsewhere = this.template.execute("42", () -> CompletableFuture
			.supplyAsync(() -> OrderLockContext.isHeld("42"))
			.orTimeout(10, TimeUnit.SECONDS)
			.join());
		assertThat(elsewhere).isFalse();
	}

	@Test
	void nullKeyIsNeverHeldAndAskingNeverFails() {
		assertThat(this.template.execute("42", () -> OrderLockContext.isHeld(null))).isFalse();
	}

	@Test
	void asynchronousWorkIsHeldWhileItsMethodBuildsIt() {
		Boolean whileBuilding = this.template
			.executeAsync("42", () -> CompletableFuture.completedFuture(OrderLockContext.isHeld("42")))
			.join();
		assertThat(whileBuilding).isTrue();
	}

}
