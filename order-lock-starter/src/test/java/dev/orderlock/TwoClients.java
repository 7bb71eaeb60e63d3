package dev.orderlock;

import java.time.Duration;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.redisson.api.RedissonClient;

/**
 * Two RedissonClients on the shared test Redis, standing for two application instances (each its own lock owner id),
 * started once per test class and shut down after it, and a key prefix no other test uses, new for every test.
 * Register it as {@code @RegisterExtension static final TwoClients clients = new TwoClients();}. Unlike
 * {@link TwoInstances} there is no Spring here: the tests build {@link OrderLockTemplate}s themselves.
 */
final class TwoClients implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

	private RedissonClient a;

	private RedissonClient b;

	private String prefix;

	@Override
	public void beforeAll(ExtensionContext context) {
		this.a = TestClients.newClient(TestRedis.shared());
		this.b = TestClients.newClient(TestRedis.shared());
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		// Runs before the class's own @BeforeEach methods, so they can build templates on it.
		this.prefix = TestClients.uniquePrefix();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		// Either may be missing if starting the clients failed; shut down whatever did start.
		if (this.a != null) {
			this.a.shutdown();
		}
		if (this.b != null) {
			this.b.shutdown();
		}
	}

	/** Instance A. */
	RedissonClient a() {
		return this.a;
	}

	/** Instance B. */
	RedissonClient b() {
		return this.b;
	}

	/** This test's key prefix. */
	String prefix() {
		return this.prefix;
	}

	/** A template on instance A with this test's prefix. */
	OrderLockTemplate templateA(Duration waitTime) {
		return new OrderLockTemplate(this.a, this.prefix, waitTime);
	}

	/** A template on instance B with this test's prefix. */
	OrderLockTemplate templateB(Duration waitTime) {
		return new OrderLockTemplate(this.b, this.prefix, waitTime);
	}

}
