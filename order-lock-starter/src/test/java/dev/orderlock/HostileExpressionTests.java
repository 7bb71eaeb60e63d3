package dev.orderlock;

import java.util.concurrent.atomic.AtomicInteger;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Key expressions that throw at call time (a method that does not exist, a parse of bad input, a division by zero, a
 * step through null), before and after SpEL compiled them: each call fails with {@link OrderLockException} naming the
 * method and the expression, runs nothing and leaves no lock in Redis. And a hostile argument through the annotation
 * and the property {@code order-lock.max-key-length}.
 */
@Timeout(60)
@SpringBootTest(classes = HostileExpressionTests.App.class, properties = "order-lock.max-key-length=64")
class HostileExpressionTests {

	private static final String PREFIX = TestClients.uniquePrefix();

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.host", () -> TestRedis.shared().host());
		registry.add("spring.data.redis.port", () -> TestRedis.shared().port());
		registry.add("order-lock.key-prefix", () -> PREFIX);
	}

	@Autowired
	private Orders orders;

	@Autowired
	private RedissonClient redisson;

	@AfterEach
	void noLockLeftBehind() {
		assertThat(this.redisson.getKeys().getKeysStream(KeysScanOptions.defaults().pattern(PREFIX + ":*")))
			.as("lock keys left in Redis")
			.isEmpty();
	}

	@Test
	void methodThatDoesNotExistFailsNamingMethodAndExpression() {
		assertFailsWithoutRunning(() -> this.orders.missingMethod(new Order(1L, null)), "missingMethod(Order)",
				"'#order.missing()'", "missing()");
	}

	@Test
	void parseOfBadInputFailsNamingMethodAndExpression() {
		assertFailsWithoutRunning(() -> this.orders.parsesConstant(1L), "parsesConstant(long)",
				"'T(java.lang.Integer).parseInt('x')'", "NumberFormatException");
	}

	@Test
	void parseOfAHostileArgumentFailsWithTheArgumentEscapedInTheMessage() {
		String hostile = "x\nWARN forged\u0000";
		int callsBefore = this.orders.calls();
		assertThatThrownBy(() -> this.orders.parsesArgument(hostile)).isInstanceOf(OrderLockException.class)
			.hasMessageContaining("parsesArgument(String)")
			.hasMessageContaining("x\\nWARN forged\\0")
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\n", "\u0000"));
		assertThat(this.orders.calls()).isEqualTo(callsBefore);
	}

	@Test
	void divisionByZeroFailsNamingMethodAndExpression() {
		assertFailsWithoutRunning(() -> this.orders.dividesByZero(7L), "dividesByZero(long)", "'#orderId / 0'",
				"by zero");
	}

	@Test
	void stepThroughANullPropertyFailsNamingMethodAndExpression() {
		assertFailsWithoutRunning(() -> this.orders.byCustomer(new Order(2L, null)), "byCustomer(Order)",
				"'#order.customer.id'", "null");
	}

	@Test
	void stepThroughNullStillFailsOnceSpelHasCompiledTheExpression() {
		for (int call = 0; call < 300; call++) {
			// Past SpEL's compile threshold (MIXED): the compiled code meets null for the first time below.
			assertThat(this.orders.byCustomer(new Order(call, new Customer("c-" + call)))).isEqualTo("c-" + call);
		}
		int callsBefore = this.orders.calls();
		assertThatThrownBy(() -> this.orders.byCustomer(new Order(3L, null))).isInstanceOf(OrderLockException.class)
			.hasMessageContaining("'#order.customer.id'")
			.hasMessageContaining("was not run");
		assertThat(this.orders.calls()).isEqualTo(callsBefore);
		assertThat(this.orders.byCustomer(new Order(4L, new Customer("c-4")))).isEqualTo("c-4");
	}

	@Test
	void safeNavigationToNullFailsListingTheParameters() {
		assertFailsWithoutRunning(() -> this.orders.bySafeCustomer(new Order(5L, null), "note"),
				"bySafeCustomer(Order, String)", "resolved to null", "#order, #note (or #p0..#p1)");
	}

	@Test
	void hostileArgumentIsLockedAsItIs() {
		String key = "{tag}*?[a]:\r\n\t\u0000\uD83E\uDDFE\u202E";
		assertThat(this.orders.byId(key)).isEqualTo(PREFIX + ":" + key);
	}

	@Test
	void argumentOverTheConfiguredMaxKeyLengthFailsNamingTheMethodAndTheLength() {
		assertFailsWithoutRunning(() -> this.orders.byId("9".repeat(65)), "byId(String)", "65 characters",
				"order-lock.max-key-length (64)");
		assertThat(this.orders.byId("9".repeat(64))).isEqualTo(PREFIX + ":" + "9".repeat(64));
	}

	private void assertFailsWithoutRunning(Executable call, String... inMessage) {
		int callsBefore = this.orders.calls();
		assertThatThrownBy(call::execute).isInstanceOf(OrderLockException.class)
			.hasMessageContainingAll(inMessage)
			.hasMessageContaining("was not run");
		assertThat(this.orders.calls()).as("the method ran").isEqualTo(callsBefore);
	}

	record Customer(String id) {
	}

	record Order(long id, Customer customer) {
	}

	/** Each method answers the name of the lock it runs under, checked to be held. */
	static class Orders {

		final AtomicInteger calls = new AtomicInteger();

		private final RedissonClient redisson;

		Orders(RedissonClient redisson) {
			this.redisson = redisson;
		}

		@OrderLock(key = "#order.missing()")
		public String missingMethod(Order order) {
			return held(order.id());
		}

		@OrderLock(key = "T(java.lang.Integer).parseInt('x')")
		public String parsesConstant(long orderId) {
			return held(orderId);
		}

		@OrderLock(key = "T(java.lang.Long).parseLong(#orderId)")
		public String parsesArgument(String orderId) {
			return held(orderId);
		}

		@OrderLock(key = "#orderId / 0")
		public String dividesByZero(long orderId) {
			return held(orderId);
		}

		@OrderLock(key = "#order.customer.id")
		public String byCustomer(Order order) {
			held(order.customer().id());
			return order.customer().id();
		}

		@OrderLock(key = "#order?.customer?.id")
		public String bySafeCustomer(Order order, String note) {
			return held(order.id());
		}

		@OrderLock(key = "#p0")
		public String byId(String orderId) {
			return held(orderId);
		}

		/** Read through the proxy (fields of a CGLIB proxy are not the target's). */
		public int calls() {
			return this.calls.get();
		}

		private String held(Object key) {
			this.calls.incrementAndGet();
			String name = PREFIX + ":" + key;
			assertThat(this.redisson.getLock(name).isHeldByCurrentThread()).as(name).isTrue();
			return name;
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Orders orders(RedissonClient redisson) {
			return new Orders(redisson);
		}

	}

}
