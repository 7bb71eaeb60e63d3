package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import dev.orderlock.support.KeyText;
import dev.orderlock.testredis.RedisCommandStats;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisson.api.options.KeysScanOptions;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Keys a caller may send: Redis glob characters, hash tags, white space, line breaks, NUL, any Unicode, thousands of
 * characters. Against a real Redis with two RedissonClients standing for two instances: the exact string is the lock
 * (equal keys exclude each other, keys that differ in one such character do not), nothing stays in Redis afterwards,
 * a key over {@code order-lock.max-key-length} never reaches Redis, and no key can break a message or a log line.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class HostileKeyTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	@BeforeEach
	void createTemplates() {
		this.templateA = clients.templateA(Duration.ofSeconds(5));
		this.templateB = clients.templateB(Duration.ofSeconds(5));
	}

	/** A hostile key, and a distinct key that differs from it only in such characters. */
	static Stream<Arguments> hostileKeys() {
		String longKey = "7".repeat(1023);
		return Stream.of(Arguments.of("colon", "42:pay", "42:cancel"),
				Arguments.of("only colons", ":", "::"),
				Arguments.of("glob star", "4*", "4?"),
				Arguments.of("glob star matching its sibling", "*", "42"),
				Arguments.of("glob question mark", "4?", "42"),
				Arguments.of("glob class", "[a]", "a"),
				Arguments.of("empty braces", "{}", "{ }"),
				Arguments.of("hash tag", "{tag}42", "{tag}43"),
				Arguments.of("unbalanced braces", "}{42", "{42"),
				Arguments.of("spaces", "4 2", "4  2"),
				Arguments.of("padded", " 42 ", "42"),
				Arguments.of("line feed", "42\nWARN forged", "42\rWARN forged"),
				Arguments.of("carriage return line feed", "42\r\n", "42\n"),
				Arguments.of("tab", "4\t2", "4 2"),
				Arguments.of("NUL inside", "42\u0000evil", "42"),
				Arguments.of("NUL at the end", "42\u0000", "42"),
				Arguments.of("emoji", "order-\uD83E\uDDFE\uD83D\uDCB3", "order-\uD83E\uDDFE"),
				Arguments.of("right to left", "\u05D4\u05D6\u05DE\u05E0\u05D4-42", "42-\u05D4\u05D6\u05DE\u05E0\u05D4"),
				Arguments.of("bidi override", "\u202E24", "24"),
				Arguments.of("combining accent vs precomposed", "caf\u0065\u0301", "caf\u00E9"),
				Arguments.of("zero-width joiner", "4\u200D2", "42"),
				Arguments.of("backslash escapes", "4\\n2", "4\n2"),
				Arguments.of("quotes and Lua", "'; redis.call('FLUSHALL'); --", "\"; return 1; --"),
				Arguments.of("very long, within the limit", longKey, longKey.substring(1) + "8"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileKeys")
	@Timeout(30)
	void bothInstancesExcludeEachOtherOnTheExactKeyAndLeaveNothingBehind(String description, String key,
			String sibling) throws Exception {
		AtomicBoolean ranWhileHeld = new AtomicBoolean();
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run(key, body))) {
			assertThat(lockNamesInRedis()).as("the lock's Redis key is exactly prefix:key")
				.containsExactly(clients.prefix() + ":" + key);
			assertThatThrownBy(() -> this.templateB.execute(key, Duration.ofMillis(200), null,
					() -> ranWhileHeld.getAndSet(true)))
				.isInstanceOfSatisfying(OrderLockTimeoutException.class,
						(ex) -> assertThat(ex.getKey()).isEqualTo(key));
			assertThat(this.templateB.execute(sibling, Duration.ZERO, null, () -> "ran"))
				.as("a different key is a different order").isEqualTo("ran");
		}
		assertThat(ranWhileHeld).as("the other instance ran while the key was held").isFalse();
		assertNothingLeftInRedis(key);
		assertThat(this.templateB.execute(key, Duration.ZERO, null, () -> "free")).isEqualTo("free");
		assertNothingLeftInRedis(key);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileKeys")
	void exceptionInsideTheWorkReleasesTheLock(String description, String key, String sibling) {
		IllegalStateException failure = new IllegalStateException("declined");
		assertThatThrownBy(() -> this.templateA.run(key, () -> {
			throw failure;
		})).isSameAs(failure);
		assertNothingLeftInRedis(key);
		assertThat(this.templateB.execute(key, Duration.ZERO, null, () -> "free")).isEqualTo("free");
	}

	@Test
	void hostileKeysOfSeveralOrdersAreAllLockedAndAllReleased() throws Exception {
		List<String> keys = List.of("4*", "4?", "{tag}4", "4\n2", "\uD83E\uDDFE");
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.execute(keys, () -> {
			body.run();
			return null;
		}))) {
			assertThat(lockNamesInRedis()).hasSize(keys.size());
			for (String key : keys) {
				assertThatThrownBy(() -> this.templateB.execute(key, Duration.ZERO, null, () -> "ran"))
					.isInstanceOf(OrderLockTimeoutException.class);
			}
		}
		assertThat(lockNamesInRedis()).isEmpty();
	}

	@Test
	void asynchronousWorkOnAHostileKeyReleasesWhenItCompletes() throws Exception {
		String key = "{tag}*\r\n\u0000\uD83E\uDDFE";
		CompletableFuture<String> work = new CompletableFuture<>();
		CompletableFuture<String> result = this.templateA.executeAsync(key, () -> work);
		assertThatThrownBy(() -> this.templateB.execute(key, Duration.ZERO, null, () -> "ran"))
			.isInstanceOf(OrderLockTimeoutException.class);
		work.complete("done");
		assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("done");
		assertNothingLeftInRedis(key);
	}

	@Test
	void keyAtTheLimitLocks() {
		assertThat(this.templateA.execute("k".repeat(1024), () -> "ran")).isEqualTo("ran");
	}

	@Test
	void keyOverTheLimitFailsNamingItsLengthAndTheFixWithoutRunningTheCode() {
		AtomicBoolean ran = new AtomicBoolean();
		String key = "x".repeat(5_000_000);
		assertThatThrownBy(() -> this.templateA.execute(key, () -> ran.getAndSet(true)))
			.isExactlyInstanceOf(OrderLockException.class)
			.hasMessageContaining("OrderLockTemplate")
			.hasMessageContaining("5000000 characters")
			.hasMessageContaining("order-lock.max-key-length (1024)")
			.hasMessageContaining("was not run")
			.satisfies((ex) -> assertThat(ex.getMessage()).hasSizeLessThan(500).doesNotContain("xxxxxxxxxx"));
		assertThat(ran).isFalse();
		assertThat(lockNamesInRedis()).isEmpty();
	}

	@Test
	void keyOverTheLimitFailsEveryKindOfCall() throws Exception {
		this.templateA.setMaxKeyLength(8);
		String key = "123456789";
		assertThatThrownBy(() -> this.templateA.execute(key, () -> "ran")).hasMessageContaining("9 characters");
		assertThatThrownBy(() -> this.templateA.executeFenced(key, (token) -> "ran"))
			.hasMessageContaining("9 characters");
		assertThatThrownBy(() -> this.templateA.execute(List.of("1", key), () -> "ran"))
			.hasMessageContaining("9 characters");
		assertThatThrownBy(() -> this.templateA.execute(LockKind.FAIR, key, () -> "ran"))
			.hasMessageContaining("9 characters");
		assertThatThrownBy(() -> this.templateA.executeAsync(key, () -> CompletableFuture.completedFuture("ran")))
			.hasMessageContaining("9 characters");
		assertThat(this.templateA.execute("12345678", () -> "ran")).isEqualTo("ran");
		assertThat(lockNamesInRedis()).isEmpty();
	}

	@Test
	void keyOverTheLimitSendsNothingToRedis() {
		try (OwnRedis own = OwnRedis.start()) {
			OrderLockTemplate template = new OrderLockTemplate(own.client(), clients.prefix(), Duration.ofSeconds(5));
			template.execute("warm-up", () -> null);
			RedisCommandStats stats = new RedisCommandStats(own.redis());
			stats.reset();
			assertThatThrownBy(() -> template.execute("x".repeat(1025), () -> null))
				.hasMessageContaining("1025 characters");
			assertThat(stats.calls()).doesNotContainKeys("eval", "evalsha", "hset", "pexpire", "exists");
		}
	}

	@Test
	void keyWithLineBreaksCannotForgeALogLineAndKeepsItsRealValue(CapturedOutput output) {
		String key = "42\nWARN forged entry\r\n\u0000\u202E";
		assertThatThrownBy(() -> this.templateA.execute(key, Duration.ZERO, Duration.ofMillis(200), () -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(600));
			return null;
		})).isInstanceOfSatisfying(OrderLockLeaseLostException.class, (ex) -> {
			assertThat(ex.getKey()).isEqualTo(key);
			assertThat(ex.getMessage()).doesNotContain("\n", "\r", "\u0000", "\u202E")
				.contains(clients.prefix() + ":42\\nWARN forged entry\\r\\n\\0\\u202e");
		});
		assertThat(output.getOut() + output.getErr()).contains("of key '42\\nWARN forged entry\\r\\n\\0\\u202e'")
			.doesNotContain("\nWARN forged entry");
	}

	@Test
	void busyMessageEscapesTheKeyAndCutsALongOneShort() throws Exception {
		String key = "x" + "\n".repeat(999);
		try (HeldLock held = HeldLock.hold((body) -> this.templateA.run(key, body))) {
			assertThatThrownBy(() -> this.templateB.execute(key, Duration.ZERO, null, () -> "ran"))
				.isInstanceOfSatisfying(OrderLockTimeoutException.class, (ex) -> {
					assertThat(ex.getKey()).isEqualTo(key);
					assertThat(ex.getMessage()).doesNotContain("\n")
						.contains(clients.prefix() + ":x\\n\\n")
						.contains("... (" + (clients.prefix().length() + 1 + 1000) + " chars)")
						.hasSizeLessThan(KeyText.MAX_SHOWN * 2 + 300);
				});
		}
	}

	@Test
	void renderingEscapesControlAndInvisibleCharactersAndLeavesTheRestAlone() {
		assertThat(KeyText.render("42")).isEqualTo("42");
		assertThat(KeyText.render("a\nb\rc\td\u0000e\\f\u001Bg\u2028h\u202Ei\u200Bj"))
			.isEqualTo("a\\nb\\rc\\td\\0e\\\\f\\u001bg\\u2028h\\u202ei\\u200bj");
		String visible = "\uD83E\uDDFE \u05D4\u05D6 caf\u0065\u0301 {tag}*?[a]:";
		assertThat(KeyText.render(visible)).isEqualTo(visible);
		String emojis = "x" + "\uD83E\uDDFE".repeat(KeyText.MAX_SHOWN);
		assertThat(KeyText.render(emojis)).as("never half an emoji")
			.isEqualTo("x" + "\uD83E\uDDFE".repeat(KeyText.MAX_SHOWN / 2 - 1) + "... (" + emojis.length() + " chars)");
		assertThat(KeyText.render("x".repeat(KeyText.MAX_SHOWN + 1)))
			.isEqualTo("x".repeat(KeyText.MAX_SHOWN) + "... (" + (KeyText.MAX_SHOWN + 1) + " chars)");
	}

	/** Every Redis key of this test's templates, found with SCAN (the prefix has no glob characters). */
	private List<String> lockNamesInRedis() {
		return clients.b().getKeys()
			.getKeysStream(KeysScanOptions.defaults().pattern(clients.prefix() + ":*"))
			.toList();
	}

	private void assertNothingLeftInRedis(String key) {
		assertThat(clients.b().getKeys().countExists(clients.prefix() + ":" + key)).as("lock key left in Redis")
			.isZero();
		assertThat(lockNamesInRedis()).as("keys left under the prefix").isEmpty();
	}

}
