package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fixture of the holder-fault scenarios: one Redis, one database, a surviving instance that stays up, and a
 * victim instance started per test (to be killed or paused while it pays). The test JVM looks into Redis through a
 * client of its own only to see whether an order's lock is held, never to take one.
 * <p>
 * Used as a JUnit extension ({@link #perClass}) it starts before a class's tests, checks the money and the answers
 * after each test, and stops after them; or started and closed by the caller ({@link #start}).
 */
final class TwoInstances implements AutoCloseable, BeforeAllCallback, AfterEachCallback, AfterAllCallback {

	static final String KEY_PREFIX = "order-lock";

	private final String name;

	private final Supplier<FaultDatabase> databases;

	private final Traffic traffic = new Traffic(64);

	private TestRedis redis;

	private FaultDatabase database;

	private DemoProcess survivor;

	private RedisObserver observer;

	private int victims;

	private TwoInstances(String name, Supplier<FaultDatabase> databases) {
		this.name = name;
		this.databases = databases;
	}

	/** For {@code @RegisterExtension}: on a new H2 database, for the tests of one class. */
	static TwoInstances perClass(String name) {
		return new TwoInstances(name, FaultDatabase::start);
	}

	/** Started now on the given database, which this fixture then closes. */
	static TwoInstances start(String name, FaultDatabase database) {
		TwoInstances instances = new TwoInstances(name, () -> database);
		instances.startAll();
		return instances;
	}

	private void startAll() {
		this.database = this.databases.get();
		this.redis = TestRedis.start();
		this.survivor = DemoProcess.start(this.name + "-survivor", settings(this.redis, this.database));
		this.observer = RedisObserver.of(this.redis);
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		startAll();
	}

	/** After every test: the money is right for every order, and no answer broke the rules. */
	@Override
	public void afterEach(ExtensionContext context) {
		assertThat(MoneyCheck.violations(this.database.jdbc())).as("money").isEmpty();
		assertThat(this.traffic.violations()).as("answers").isEmpty();
		assertThat(this.traffic.contradictions(this.database.jdbc())).as("answers the database contradicts").isEmpty();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		close();
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

	/** The Redis every instance uses, unless a victim is put behind a proxy to it. */
	TestRedis redis() {
		return this.redis;
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
		return this.observer.lockHeld(orderId);
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
		if (this.observer != null) {
			this.observer.close();
		}
		if (this.survivor != null) {
			this.survivor.close();
		}
		if (this.redis != null) {
			this.redis.close();
		}
		if (this.database != null) {
			this.database.close();
		}
	}

}
