package dev.orderlock;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RedissonClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OrderLock} on beans of a Spring Boot application, through the auto-configuration and the application's own
 * RedissonClient, against a real Redis.
 */
@Timeout(60)
@SpringBootTest(classes = OrderLockAnnotationTests.App.class, properties = "orders.lock-wait=0ms")
class OrderLockAnnotationTests {

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
	private Checkout checkout;

	@Test
	void keyByParameterName() {
		assertThat(this.orders.byName(41L)).isEqualTo(PREFIX + ":41");
	}

	@Test
	void keyByPropertyOfAParameter() {
		assertThat(this.orders.byProperty(new Order(42L))).isEqualTo(PREFIX + ":42");
	}

	@Test
	void keyByPosition() {
		assertThat(this.orders.byPosition("43")).isEqualTo(PREFIX + ":43");
		assertThat(this.orders.byAlias("ignored", "44")).isEqualTo(PREFIX + ":44");
	}

	@Test
	void keyThroughABeanReference() {
		assertThat(this.orders.byBean(" o-45 ")).isEqualTo(PREFIX + ":O-45");
	}

	@Test
	void metaAnnotationLocks() {
		assertThat(this.orders.byMetaAnnotation(46L)).isEqualTo(PREFIX + ":46");
	}

	@Test
	void differentMethodsWithTheSameKeyShareOneLock() throws Exception {
		try (HeldLock paying = HeldLock.hold((body) -> this.checkout.pay(47L, body))) {
			int cancelsBefore = this.checkout.cancels();
			assertThatThrownBy(() -> this.checkout.cancel(47L)).isInstanceOf(OrderLockTimeoutException.class);
			assertThat(this.checkout.cancels()).as("cancel ran while pay held the order").isEqualTo(cancelsBefore);
			assertThat(this.checkout.cancel(48L)).as("another order is not blocked").isTrue();
		}
		assertThat(this.checkout.cancel(47L)).isTrue();
	}

	@Test
	void primitiveReturnTypeGetsAnExceptionNotANullWhenBusy() throws Exception {
		try (HeldLock paying = HeldLock.hold((body) -> this.checkout.pay(49L, body))) {
			assertThatThrownBy(() -> this.checkout.countCancel(49L)).isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(this.checkout.countCancel(49L)).isPositive();
	}

	@Test
	void fencedMethodReadsAGrowingTokenAndAPlainOneNone() {
		long first = this.checkout.fencedToken(51L);
		long second = this.checkout.fencedToken(51L);
		assertThat(second).isGreaterThan(first);
		assertThat(this.checkout.plainToken(51L)).isEmpty();
		assertThat(OrderLockContext.currentFencingToken()).isEmpty();
	}

	@Test
	void maxHoldTimeFromTheAnnotationFailsACallThatOutlivesIt() {
		assertThatThrownBy(() -> this.checkout.slowWithCap(52L)).isInstanceOf(OrderLockLeaseLostException.class)
			.hasMessageContaining("maxHoldTime PT0.2S");
	}

	@Test
	void nestedCallWithTheSameKeyOnTheSameThreadDoesNotDeadlock() {
		assertThat(this.checkout.payAndCount(50L)).isPositive();
	}

	@Test
	void nullKeyFailsWithParameterHintAndDoesNotRunTheMethod() {
		int callsBefore = this.orders.calls();
		assertThatThrownBy(() -> this.orders.byNullable(null)).isInstanceOf(OrderLockException.class)
			.hasMessageContaining("OrderLockAnnotationTests$Orders.byNullable(Long)")
			.hasMessageContaining("'#orderId'")
			.hasMessageContaining("resolved to null")
			.hasMessageContaining("-parameters");
		assertThat(this.orders.calls()).isEqualTo(callsBefore);
	}

	@Test
	void blankKeyFailsAndDoesNotRunTheMethod() {
		int callsBefore = this.orders.calls();
		assertThatThrownBy(() -> this.orders.byPosition("  ")).isInstanceOf(OrderLockException.class)
			.hasMessageContaining("'#p0'")
			.hasMessageContaining("blank");
		assertThat(this.orders.calls()).isEqualTo(callsBefore);
	}

	@Test
	void throwingExpressionFailsNamingTheExpression() {
		assertThatThrownBy(() -> this.orders.byProperty(null)).isInstanceOf(OrderLockException.class)
			.hasMessageContaining("'#order.id'")
			.hasMessageContaining("byProperty(Order)")
			.hasMessageContaining("was not run");
	}

	@Test
	void collectionKeyLocksEveryOrderInIt() {
		assertThat(this.orders.byList(java.util.List.of(53L, 54L, 53L))).isEqualTo(PREFIX + ":[53, 54, 53]");
	}

	@Test
	void emptyCollectionKeyFailsNamingMethodAndExpression() {
		int callsBefore = this.orders.calls();
		assertThatThrownBy(() -> this.orders.byList(java.util.List.of())).isInstanceOf(OrderLockException.class)
			.hasMessageContaining("'#ids'")
			.hasMessageContaining("byList(List)")
			.hasMessageContaining("empty collection")
			.hasMessageContaining("was not run");
		assertThat(this.orders.calls()).isEqualTo(callsBefore);
	}

	@Test
	void nullElementOfACollectionKeyFailsNamingItsIndex() {
		int callsBefore = this.orders.calls();
		assertThatThrownBy(() -> this.orders.byList(java.util.Arrays.asList(55L, null)))
			.isInstanceOf(OrderLockException.class)
			.hasMessageContaining("'#ids'")
			.hasMessageContaining("byList(List)")
			.hasMessageContaining("element at index 1 is null");
		assertThat(this.orders.calls()).isEqualTo(callsBefore);
	}

	@Test
	void placeholderInWaitTimeIsResolved() throws Exception {
		try (HeldLock paying = HeldLock.hold((body) -> this.checkout.pay(51L, body))) {
			assertThatThrownBy(() -> this.checkout.cancelConfigured(51L))
				.isInstanceOfSatisfying(OrderLockTimeoutException.class,
						(ex) -> assertThat(ex.getWaitTime()).isEqualTo(Duration.ZERO));
		}
	}

	record Order(Long id) {
	}

	@Retention(RetentionPolicy.RUNTIME)
	@Target(ElementType.METHOD)
	@OrderLock(key = "#orderId")
	@interface PayLock {

	}

	static class OrderKeys {

		public String normalize(String id) {
			return id.trim().toUpperCase();
		}

	}

	/** Each method answers the name of the lock it runs under, as seen in Redis. */
	static class Orders {

		final AtomicInteger calls = new AtomicInteger();

		private final RedissonClient redisson;

		Orders(RedissonClient redisson) {
			this.redisson = redisson;
		}

		@OrderLock(key = "#orderId")
		public String byName(long orderId) {
			return heldLock(orderId);
		}

		@OrderLock(key = "#order.id")
		public String byProperty(Order order) {
			return heldLock(order.id());
		}

		@OrderLock(key = "#p0")
		public String byPosition(String id) {
			return heldLock(id);
		}

		@OrderLock(key = "#a1")
		public String byAlias(String ignored, String id) {
			return heldLock(id);
		}

		@OrderLock(key = "@orderKeys.normalize(#id)")
		public String byBean(String id) {
			return heldLock(id.trim().toUpperCase());
		}

		@PayLock
		public String byMetaAnnotation(long orderId) {
			return heldLock(orderId);
		}

		@OrderLock(key = "#orderId")
		public String byNullable(Long orderId) {
			return heldLock(orderId);
		}

		@OrderLock(key = "#ids")
		public String byList(java.util.List<Long> ids) {
			for (Long id : ids) {
				heldLock(id);
			}
			return PREFIX + ":" + ids;
		}

		/** Read through the proxy (fields of a CGLIB proxy are not the target's). */
		public int calls() {
			return this.calls.get();
		}

		private String heldLock(Object key) {
			this.calls.incrementAndGet();
			String name = PREFIX + ":" + key;
			assertThat(this.redisson.getLock(name).isHeldByCurrentThread()).as(name).isTrue();
			return name;
		}

	}

	static class Checkout {

		final AtomicInteger cancels = new AtomicInteger();

		@Autowired
		@Lazy
		private Checkout self;

		public int cancels() {
			return this.cancels.get();
		}

		@OrderLock(key = "#orderId")
		public void pay(long orderId, Runnable body) {
			body.run();
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		public boolean cancel(long orderId) {
			this.cancels.incrementAndGet();
			return true;
		}

		@OrderLock(key = "#orderId", waitTime = "${orders.lock-wait:10s}")
		public boolean cancelConfigured(long orderId) {
			return true;
		}

		@OrderLock(key = "#orderId", waitTime = "100ms")
		public int countCancel(long orderId) {
			return this.cancels.incrementAndGet();
		}

		@OrderLock(key = "#orderId", fenced = true)
		public long fencedToken(long orderId) {
			return OrderLockContext.currentFencingToken().orElseThrow();
		}

		@OrderLock(key = "#orderId")
		public java.util.OptionalLong plainToken(long orderId) {
			return OrderLockContext.currentFencingToken();
		}

		@OrderLock(key = "#orderId", maxHoldTime = "200ms")
		public void slowWithCap(long orderId) {
			OrderLockTemplateTests.sleep(Duration.ofMillis(600));
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		public int payAndCount(long orderId) {
			return this.self.countCancel(orderId);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Orders orders(RedissonClient redisson) {
			return new Orders(redisson);
		}

		@Bean
		Checkout checkout() {
			return new Checkout();
		}

		@Bean
		OrderKeys orderKeys() {
			return new OrderKeys();
		}

	}

}
