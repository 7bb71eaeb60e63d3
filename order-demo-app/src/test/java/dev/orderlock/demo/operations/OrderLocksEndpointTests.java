package dev.orderlock.demo.operations;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;
import dev.orderlock.testredis.RedisCommandStats;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees at 3 a.m. (docs/operations.md), over real HTTP on the demo: the locks the instance holds
 * while a payment runs, who holds an order that another instance has locked, force-release refused while it is off,
 * and the check before the gateway charge costing one round trip per payment.
 */
class OrderLocksEndpointTests {

	private static DemoInstance app;

	private static RedissonClient otherInstance;

	@BeforeAll
	static void start() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("orderlocks-endpoint-tests"));
		settings.put("demo.payment.latency", "600ms");
		settings.put("order-lock.wait-time", "200ms");
		app = DemoInstance.start(settings);
		Config config = new Config();
		config.useSingleServer().setAddress(TestRedis.shared().address());
		otherInstance = Redisson.create(config);
	}

	@AfterAll
	static void stop() {
		otherInstance.shutdown();
		app.close();
	}

	@Test
	void aRunningPaymentIsListedWithItsMethodOwnerAndFencingToken() throws Exception {
		long id = newOrder();
		CompletableFuture<HttpResponse<String>> paying = CompletableFuture
			.supplyAsync(() -> Http.post(app.url("/api/orders/" + id + "/pay")));
		List<Map<String, Object>> locks = List.of();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (locks.isEmpty() && System.nanoTime() < deadline) {
			locks = locksHeld();
			Thread.sleep(20);
		}
		assertThat(locks).singleElement().satisfies((lock) -> {
			assertThat(lock).containsEntry("key", String.valueOf(id)).containsEntry("kind", "EXCLUSIVE");
			assertThat(lock.get("method")).asString().contains("OrderService.pay");
			assertThat(lock.get("owner")).asString().startsWith("thread ");
			assertThat(lock.get("fencingToken")).isNotNull();
			assertThat(lock).containsEntry("leaseLost", false);
		});
		assertThat(paying.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		assertThat(locksHeld()).isEmpty();
	}

	@Test
	void anOrderLockedByAnotherInstanceShowsThatInstanceAsHolderAndCannotBeForceReleasedWhileOff() {
		long id = newOrder();
		RLock lock = otherInstance.getLock("order-lock:" + id);
		lock.lock();
		try {
			assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).as("busy").isEqualTo(409);
			Map<String, Object> state = Http.object(Http.get(app.url("/actuator/orderlocks/" + id)));
			assertThat(state).containsEntry("locked", true);
			@SuppressWarnings("unchecked")
			List<Map<String, Object>> holders = (List<Map<String, Object>>) state.get("holders");
			assertThat(holders).singleElement().satisfies((holder) -> assertThat(holder)
				.containsEntry("clientId", otherInstance.getId()).containsEntry("thisInstance", false));
			assertThat(((Number) state.get("remainingLeaseMillis")).longValue()).isPositive();

			HttpResponse<String> delete = Http.send(HttpRequest.newBuilder(app.url("/actuator/orderlocks/" + id)).DELETE());
			assertThat(delete.statusCode()).isEqualTo(403);
			assertThat(lock.isLocked()).isTrue();
		}
		finally {
			lock.unlock();
		}
		assertThat(Http.object(Http.get(app.url("/actuator/orderlocks/" + id)))).containsEntry("locked", false);
	}

	@Test
	void theCheckBeforeTheChargeCostsOneRoundTripPerPayment() {
		long id = newOrder();
		RedisCommandStats stats = new RedisCommandStats(TestRedis.shared());
		stats.reset();
		assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
		// One before the gateway charge (OrderLockContext.checkStillHeld()), one before the PAID write's commit.
		assertThat(stats.calls()).as("ownership checks of one payment").containsEntry("hexists", 2L);
	}

	private static List<Map<String, Object>> locksHeld() {
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> locks = (List<Map<String, Object>>) Http
			.object(Http.get(app.url("/actuator/orderlocks"))).get("locks");
		return locks;
	}

	private static long newOrder() {
		HttpResponse<String> created = Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-ops\", \"amountCents\": 1500}");
		return ((Number) Http.object(created).get("id")).longValue();
	}

}
