package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import dev.orderlock.testredis.TestRedis;

/**
 * The fixture of the holder-fault scenarios: one Redis, one database, a surviving instance that stays up, and a
 * victim instance started per test (to be killed or paused while it pays). The test JVM looks into Redis through a
 * client of its own only to see whether an order's lock is held, never to take one.
 */
final class TwoInstances implements AutoCloseable {

	static final String KEY_PREFIX = "order-lock";

	private final TestRedis redis;

	private final FaultDatabase database;

	private final DemoProcess survivor;

	private final RedissonClient observer;

	private final Traffic traffic = new Traffic(64);

	private int victims;

	private TwoInstances(TestRedis redis, FaultDatabase database, DemoProcess survivor, RedissonClient observer) {
		this.redis = redis;
		this.database = database;
		this.survivor = survivor;
		this.observer = observer;
	}

	static TwoInstances start(String name) {
		return start(name, FaultDatabase.start());
	}

	/** On the given database, which this fixture then closes. */
	static TwoInstances start(String name, FaultDatabase database) {
		TestRedis redis = TestRedis.start();
		DemoProcess survivor = DemoProcess.start(name + "-survivor", settings(redis, database));
		Config config = new Config();
		config.useSingleServer().setAddress(redis.address());
		return new TwoInstances(redis, database, survivor, Redisson.create(config));
	}

	private static Map<String, String> settings(TestRedis redis, FaultDatabase database) {
		return FaultSettings.base(database, redis.host(), redis.port());
	}

	/** A new instance on the same Redis and database, with its own settings on top. */
	DemoProcess startVictim(String name, Consumer<Map<String, String>> customizer) {
		Map<String, String> settings = settings(this.redis, this.database);
		customizer.accept(settings);
		return DemoProcess.start(name + "-" + (++this.victims), settings);
	}

	DemoProcess survivor() {
		return this.survivor;
	}

	Traffic traffic() {
		return this.traffic;
	}

	FaultDatabase database() {
		return this.database;
	}

	long newOrder(long amountCents) {
		return MoneyCheck.createOrders(this.database.jdbc(), 1, amountCents).get(0);
	}

	boolean lockHeld(long orderId) {
		return this.observer.getKeys().countExists(KEY_PREFIX + ":" + orderId) == 1;
	}

	/** The order's ledger, oldest first, as types: e.g. {@code [CHARGE, REFUND]}. */
	List<String> ledger(long orderId) {
		return this.database.jdbc()
			.sql("select type from ledger_entries where order_id = ? order by id")
			.param(orderId)
			.query(String.class)
			.list();
	}

	/**
	 * Sends the request to the survivor until it is answered with anything but "busy" (409 {@code ORDER_LOCKED}),
	 * which is what a caller sees while the dead or frozen holder's lease has not lapsed yet.
	 */
	Traffic.Call untilNotBusy(Supplier<Traffic.Call> request, Duration atMost) {
		long deadline = System.nanoTime() + atMost.toNanos();
		while (true) {
			Traffic.Call call = request.get();
			if (!"ORDER_LOCKED".equals(call.code()) || System.nanoTime() > deadline) {
				return call;
			}
		}
	}

	/** Sends the victim a payment of the order, waits until the gateway has charged it, then kills the victim. */
	Killed killAfterTheCharge(DemoProcess victim, long orderId) {
		CompletableFuture<Traffic.Call> payment = this.traffic.pay(victim, orderId);
		await("the gateway has charged order " + orderId, () -> !ledger(orderId).isEmpty(), Duration.ofSeconds(30));
		if (!lockHeld(orderId)) {
			throw new AssertionError("The payment of order " + orderId + " does not hold its lock");
		}
		return kill(victim, payment);
	}

	/** Sends the victim a payment of the order and kills it once it holds the order's lock. */
	Killed killHoldingTheLock(DemoProcess victim, long orderId) {
		CompletableFuture<Traffic.Call> payment = this.traffic.pay(victim, orderId);
		await("the payment holds order " + orderId + "'s lock", () -> lockHeld(orderId), Duration.ofSeconds(30));
		return kill(victim, payment);
	}

	private static Killed kill(DemoProcess victim, CompletableFuture<Traffic.Call> payment) {
		long killedAt = System.nanoTime();
		victim.kill();
		return new Killed(payment, killedAt);
	}

	/** A payment whose instance was {@code kill -9}ed, and when. */
	record Killed(CompletableFuture<Traffic.Call> payment, long killedAt) {

		Duration until(Traffic.Call call) {
			return Duration.ofNanos(call.answeredAt() - this.killedAt);
		}

	}

	static void await(String what, Supplier<Boolean> condition, Duration atMost) {
		long deadline = System.nanoTime() + atMost.toNanos();
		while (!condition.get()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("Timed out after " + atMost + " waiting until " + what);
			}
			FaultSettings.sleep(Duration.ofMillis(20));
		}
	}

	@Override
	public void close() {
		this.observer.shutdown();
		this.survivor.close();
		this.database.close();
		this.redis.close();
	}

}
