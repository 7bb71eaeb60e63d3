package dev.orderlock.demo.order;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.orderlock.demo.Http;
import dev.orderlock.test.AutoConfigureTestRedis;
import dev.orderlock.test.OrderLockAssertions;
import dev.orderlock.test.OtherInstance;
import dev.orderlock.testredis.TestRedis;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's locking as a user of order-lock tests it, with order-lock-test and a plain {@code @SpringBootTest}: no
 * Redis set-up, every state-changing method of {@link OrderService} guarded, and the answers to another instance
 * holding the order (409), a lost lease (503, nothing charged) and Redis down (503), each without sleeps.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:order-service-locking-tests;DB_CLOSE_DELAY=-1",
				"order-lock.wait-time=300ms", "order-lock.redis-timeout=1s", "spring.data.redis.timeout=500ms",
				"spring.data.redis.connect-timeout=500ms", "demo.payment.latency=20ms",
				"demo.orders.timeout-job.enabled=false", "demo.startup-hint=false" })
@AutoConfigureTestRedis
@Timeout(90)
class OrderServiceLockingTests {

	@Autowired
	private OrderService orders;

	@Autowired
	private ApplicationContext context;

	@LocalServerPort
	private int port;

	private OtherInstance otherInstance;

	@BeforeEach
	void startOtherInstance() {
		this.otherInstance = OtherInstance.of(this.context);
	}

	@AfterEach
	void closeOtherInstance() {
		this.otherInstance.close();
	}

	@Test
	void runsOnTheKitsRedisNotOneTheDemoStartsForItself(@Autowired Environment environment) {
		// The demo starts a redis-server of its own when none is configured: the kit's settings must be seen first.
		assertThat(environment.getProperty("spring.data.redis.port")).isEqualTo(String.valueOf(TestRedis.shared().port()));
	}

	@Test
	void everyStateChangingMethodOfOrderServiceIsGuarded() {
		OrderLockAssertions.assertStateChangingMethodsGuarded(this.orders.getClass(), "pay", "cancel");
	}

	@Test
	void payAndCancelRunUnderTheOrdersLock() {
		long pay = this.orders.create("c-1", 1000).id();
		long cancel = this.orders.create("c-1", 1000).id();
		OrderLockAssertions.assertRunsUnderLock(String.valueOf(pay), () -> this.orders.pay(pay));
		OrderLockAssertions.assertRunsUnderLock(String.valueOf(cancel), () -> this.orders.cancel(cancel));
	}

	@Test
	void payAnswers409AndChargesNothingWhileAnotherInstanceHoldsTheOrder() {
		long id = this.orders.create("c-1", 1000).id();
		try (OtherInstance.Hold hold = this.otherInstance.hold(String.valueOf(id))) {
			HttpResponse<String> busy = Http.post(url("/api/orders/" + id + "/pay"));
			assertProblem(busy, 409, "ORDER_LOCKED");
			assertThat(((Number) Http.object(busy).get("orderId")).longValue()).isEqualTo(id);
			assertThat(this.orders.payments(id)).isEmpty();
		}
		assertThat(Http.post(url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
	}

	@Test
	void payThatLosesItsLeaseBeforeTheChargeAnswers503AndChargesNothing() {
		long id = this.orders.create("c-1", 1000).id();
		OtherInstance.LeaseLoss loss = this.otherInstance.loseLeaseOnceAcquired(String.valueOf(id));
		HttpResponse<String> lost = Http.post(url("/api/orders/" + id + "/pay"));
		assertThat(loss.happened()).isTrue();
		// The check right before the gateway charge finds it: nothing charged, nothing written, try again.
		assertProblem(lost, 503, "LOCK_LOST");
		assertThat(this.orders.payments(id)).isEmpty();
		assertThat(this.orders.find(id).status()).isEqualTo(OrderStatus.PENDING_PAYMENT);
	}

	@Test
	void payAnswers503AndChargesNothingWhileRedisIsDown() {
		long id = this.orders.create("c-1", 1000).id();
		try (OtherInstance.Outage outage = this.otherInstance.redisUnavailable()) {
			assertProblem(Http.post(url("/api/orders/" + id + "/pay")), 503, "LOCK_UNAVAILABLE");
			assertThat(this.orders.payments(id)).isEmpty();
		}
		assertThat(Http.post(url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
	}

	private URI url(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	private static void assertProblem(HttpResponse<String> response, int status, String code) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		Map<String, Object> problem = Http.object(response);
		assertThat(problem).containsEntry("code", code);
	}

}
