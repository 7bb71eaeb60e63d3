package dev.orderlock.demo.order;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RedissonClient;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A payment that loses its lock while it waits for the gateway (its lease lapsed: a long GC pause, a stalled VM)
 * cannot overwrite the cancel that took the lock over: the fenced status write refuses its older token. The fence
 * cannot stop the gateway from charging, so the payment refunds its own charge when the fence refuses it.
 */
@Timeout(60)
class FencedWriteTests {

	private static DemoInstance app;

	@BeforeAll
	static void start() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("fenced-write-tests"));
		// A slow gateway leaves a wide window between the payment's lock and its status write.
		settings.put("demo.payment.latency", "1500ms");
		app = DemoInstance.start(settings);
	}

	@AfterAll
	static void stop() {
		app.close();
	}

	@Test
	void paymentThatLostItsLockCannotOverwriteTheCancelThatTookItOver() throws Exception {
		long id = ((Number) Http.object(Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-1\", \"amountCents\": 1999}")).get("id")).longValue();
		CompletableFuture<HttpResponse<String>> pay = CompletableFuture
			.supplyAsync(() -> Http.post(app.url("/api/orders/" + id + "/pay")));
		TimeUnit.MILLISECONDS.sleep(300);
		// The payment's lease lapses while it waits for the gateway (here: removed, as Redis would on expiry).
		assertThat(app.bean(RedissonClient.class).getFencedLock("order-lock:" + id).forceUnlock()).isTrue();

		HttpResponse<String> cancel = Http.post(app.url("/api/orders/" + id + "/cancel"));
		assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
		assertThat(pay).as("the payment is still at the gateway").isNotDone();

		HttpResponse<String> paid = pay.get(10, TimeUnit.SECONDS);
		assertThat(paid.statusCode()).as(paid.body()).isEqualTo(409);
		assertThat(Http.object(paid)).containsEntry("code", "ORDER_NOT_PAYABLE").containsEntry("orderStatus", "CANCELLED");
		assertThat(Http.object(Http.get(app.url("/api/orders/" + id)))).containsEntry("status", "CANCELLED");
		// The limit of fencing: the gateway charged anyway, after the cancel; the payment gave its charge back.
		List<Map<String, Object>> ledger = Http.list(Http.get(app.url("/api/orders/" + id + "/payments")));
		assertThat(ledger).extracting((entry) -> entry.get("type")).containsExactly("CHARGE", "REFUND");
	}

}
