package dev.orderlock.test;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.orderlock.LockKind;
import dev.orderlock.testredis.TestRedis;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import org.springframework.context.ApplicationContext;
import org.springframework.util.Assert;

/**
 * What another instance of the application, or the infrastructure, can do to the one under test, so that its
 * handling of a busy order, a lost lease and a Redis outage can be tested without sleeps or a second application:
 * <ul>
 * <li>{@link #hold(String)}: hold an order's lock as another instance would, so the application's next call for it
 * waits and fails with {@code OrderLockTimeoutException};</li>
 * <li>{@link #loseLease(String)}, {@link #loseLeaseOnceAcquired(String)}: take a held lock away, as an expired lease
 * does, so the application's release (or its check before a commit) fails with
 * {@code OrderLockLeaseLostException};</li>
 * <li>{@link #redisUnavailable()}: stop the kit's Redis until the returned outage is closed, so the application's
 * calls fail with {@code OrderLockUnavailableException}.</li>
 * </ul>
 * It has its own {@code RedissonClient} (so its own lock owner id) on the application's Redis and uses the
 * application's lock names ({@code <order-lock.key-prefix>:<key>}). {@link #close()} releases what it holds, removes
 * pending {@link #loseLeaseOnceAcquired lease losses}, ends an outage it started and shuts its client down. Methods
 * fail with {@link IllegalStateException} when what they need is not there (a lock already held, nothing to lose, a
 * Redis the kit did not start); a Redis failure surfaces as Redisson's exception.
 */
public final class OtherInstance implements AutoCloseable {

	/** Owners of this kit's holds: Redisson names an owner by thread; these never meet a real thread's id. */
	private static final AtomicLong owners = new AtomicLong(Long.MAX_VALUE / 2);

	private final RedissonClient redisson;

	private final String namePrefix;

	private final @Nullable TestRedis redis;

	/** The application's own client, when known: an outage ends once it answers again. */
	private final @Nullable RedissonClient application;

	private final Set<Hold> holds = ConcurrentHashMap.newKeySet();

	private final Set<KitLockObserver.Trap> traps = ConcurrentHashMap.newKeySet();

	private volatile @Nullable Outage outage;

	private OtherInstance(RedissonClient redisson, String keyPrefix, @Nullable TestRedis redis,
			@Nullable RedissonClient application) {
		this.redisson = redisson;
		this.namePrefix = keyPrefix + ":";
		this.redis = redis;
		this.application = application;
	}

	/**
	 * Another instance of the application of {@code context}: a new client with a copy of the application's
	 * Redisson configuration (same Redis, whatever its topology) and the application's {@code order-lock.key-prefix}.
	 * {@link #redisUnavailable()} works when the application runs on the kit's Redis ({@link AutoConfigureTestRedis}).
	 * @throws org.springframework.beans.factory.NoSuchBeanDefinitionException without a {@code RedissonClient} bean
	 */
	public static OtherInstance of(ApplicationContext context) {
		Objects.requireNonNull(context, "context must not be null");
		RedissonClient application = context.getBean(RedissonClient.class);
		String prefix = context.getEnvironment().getProperty("order-lock.key-prefix", "order-lock");
		TestRedis kit = KitRedis.startedOrNull();
		boolean onKitRedis = kit != null
				&& String.valueOf(kit.port()).equals(context.getEnvironment().getProperty("spring.data.redis.port"))
				&& kit.host().equals(context.getEnvironment().getProperty("spring.data.redis.host"));
		return new OtherInstance(Redisson.create(new Config(application.getConfig())), prefix, onKitRedis ? kit : null,
				application);
	}

	/**
	 * Another instance on {@code redis} with the key prefix {@code keyPrefix} (the application's
	 * {@code order-lock.key-prefix}), for applications started without a test context (e.g. with
	 * {@code SpringApplication}); {@link #redisUnavailable()} stops and restarts {@code redis}.
	 */
	public static OtherInstance connect(TestRedis redis, String keyPrefix) {
		Objects.requireNonNull(redis, "redis must not be null");
		Assert.hasText(keyPrefix, "keyPrefix must not be blank");
		Config config = new Config();
		config.useSingleServer().setAddress(redis.address());
		return new OtherInstance(Redisson.create(config), keyPrefix, redis, null);
	}

	/**
	 * Holds the exclusive lock of the order {@code key}, as another instance running {@code pay} on it would; it
	 * excludes the application's exclusive, fair and fenced locks of that order. Kept alive by Redisson's watchdog
	 * until the returned hold is closed (or the Redis restarts). Does not wait.
	 * @throws IllegalStateException when someone (the application, say) holds that lock already
	 */
	public Hold hold(String key) {
		return hold(key, LockKind.EXCLUSIVE);
	}

	/**
	 * Holds the lock of {@code kind} of the order {@code key}: {@link LockKind#WRITE} excludes the application's
	 * readers and writers, {@link LockKind#READ} only its writers; {@link LockKind#EXCLUSIVE} and {@link LockKind#FAIR}
	 * exclude its exclusive, fair and fenced locks. Does not wait.
	 * @throws IllegalStateException when the lock cannot be had at once
	 */
	public Hold hold(String key, LockKind kind) {
		Assert.hasText(key, "key must not be blank");
		Objects.requireNonNull(kind, "kind must not be null");
		String name = this.namePrefix + key;
		RLock lock = switch (kind) {
			case EXCLUSIVE -> this.redisson.getLock(name);
			case FAIR -> this.redisson.getFairLock(name);
			case READ -> this.redisson.getReadWriteLock(name).readLock();
			case WRITE -> this.redisson.getReadWriteLock(name).writeLock();
		};
		long owner = owners.incrementAndGet();
		// Lease -1: renewed by the watchdog, as an instance whose call is still running.
		boolean taken;
		try {
			taken = lock.tryLockAsync(0, -1, TimeUnit.MILLISECONDS, owner).toCompletableFuture().join();
		}
		catch (CompletionException ex) {
			throw (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
		}
		if (!taken) {
			throw new IllegalStateException("Cannot hold lock '" + name + "' (" + kind + "): it is held already");
		}
		Hold hold = new Hold(lock, owner, key);
		this.holds.add(hold);
		return hold;
	}

	/**
	 * Whether anyone (the application, this instance) holds a lock of the order {@code key} right now, as Redis says.
	 */
	public boolean isLocked(String key) {
		return this.redisson.getKeys().countExists(this.namePrefix + key) > 0;
	}

	/**
	 * Takes the lock of the order {@code key} away from whoever holds it, as an expired lease does: the lock is gone
	 * from Redis, so its holder's release (or its check before a transaction's commit) finds it lost and reports
	 * {@code OrderLockLeaseLostException}, and other callers may take it meanwhile. For a call that is running now;
	 * for one that has not started, {@link #loseLeaseOnceAcquired(String)}.
	 * @throws IllegalStateException when nobody holds that lock
	 */
	public void loseLease(String key) {
		Assert.hasText(key, "key must not be blank");
		String name = this.namePrefix + key;
		if (!this.redisson.getLock(name).forceUnlock()) {
			throw new IllegalStateException("Nobody holds lock '" + name + "': there is no lease to lose");
		}
	}

	/**
	 * Makes the application under test lose the lock of the order {@code key} right after it next acquires it,
	 * before the guarded code runs: that code then runs unprotected, as one whose lease expired, and its end (or its
	 * transaction's commit, which is rolled back) fails with {@code OrderLockLeaseLostException}. Deterministic: no
	 * timing, no sleep. Once only; {@link #close()} removes it if it has not happened.
	 * <p>
	 * Needs an application whose auto-configured {@code OrderLockTemplate} reports to order-lock-test's observer
	 * (every {@code @SpringBootTest} with this jar on the classpath; the observer removes the lock through the
	 * application's own client when it sees the acquisition).
	 * @return whether it has happened, for the test to check
	 * @throws IllegalStateException when no application context with order-lock-test's auto-configuration runs
	 */
	public LeaseLoss loseLeaseOnceAcquired(String key) {
		Assert.hasText(key, "key must not be blank");
		if (!KitLockObserver.anyLive()) {
			throw new IllegalStateException("loseLeaseOnceAcquired needs a running application context with "
					+ "order-lock-test's auto-configuration (a @SpringBootTest with order-lock-test on the classpath); "
					+ "none is running");
		}
		KitLockObserver.Trap trap = new KitLockObserver.Trap(this.namePrefix + key);
		this.traps.add(trap);
		KitLockObserver.set(trap);
		return trap::hasFired;
	}

	/**
	 * Stops the kit's Redis: every call of the application (and of this instance) fails until the returned outage
	 * is closed, which starts it again on the same address and waits until it answers, and, for an instance made
	 * {@link #of(ApplicationContext) of} an application, until the application's client answers again (at most 30
	 * seconds; its first calls after an outage may otherwise still fail). The restarted Redis is empty:
	 * every lock, held or not, is gone. How soon the application notices depends on its Redisson timeouts and
	 * retries, bounded by {@code order-lock.redis-timeout}; no test needs to wait for it.
	 * @throws IllegalStateException when the application's Redis is not one the kit started
	 * ({@link AutoConfigureTestRedis}, or the one given to {@link #connect}), or an outage is already on
	 */
	public synchronized Outage redisUnavailable() {
		TestRedis redis = this.redis;
		if (redis == null) {
			throw new IllegalStateException("redisUnavailable() needs the Redis the kit started: use "
					+ "@AutoConfigureTestRedis on the test class, or OtherInstance.connect(testRedis, prefix)");
		}
		if (this.outage != null) {
			throw new IllegalStateException("Redis is unavailable already: close the outage first");
		}
		redis.stop();
		Outage outage = new Outage(redis);
		this.outage = outage;
		return outage;
	}

	@Override
	public void close() {
		for (KitLockObserver.Trap trap : List.copyOf(this.traps)) {
			KitLockObserver.clear(trap);
		}
		this.traps.clear();
		Outage outage = this.outage;
		if (outage != null) {
			outage.close();
		}
		for (Hold hold : List.copyOf(this.holds)) {
			hold.close();
		}
		this.redisson.shutdown();
	}

	/** Whether a {@link #loseLeaseOnceAcquired lease loss} has happened. */
	@FunctionalInterface
	public interface LeaseLoss {

		boolean happened();

	}

	/** An order's lock held by the other instance; {@link #close()} releases it. */
	public final class Hold implements AutoCloseable {

		private final RLock lock;

		private final long owner;

		private final String key;

		private Hold(RLock lock, long owner, String key) {
			this.lock = lock;
			this.owner = owner;
			this.key = key;
		}

		/** The order's key, without the prefix. */
		public String key() {
			return this.key;
		}

		/** Whether Redis still has this lock as the other instance's (not after a restart or a lost lease). */
		public boolean isHeld() {
			return this.lock.isHeldByThread(this.owner);
		}

		/** Releases the lock, if it is still held; never fails for one that is gone. */
		@Override
		public void close() {
			if (OtherInstance.this.holds.remove(this)) {
				// Owner-checked: a lock lost meanwhile and taken by the application is left alone.
				this.lock.unlockAsync(this.owner).toCompletableFuture().handle((ignored, failure) -> null).join();
			}
		}

	}

	/** A Redis outage; {@link #close()} ends it. */
	public final class Outage implements AutoCloseable {

		private final TestRedis redis;

		private boolean ended;

		private Outage(TestRedis redis) {
			this.redis = redis;
		}

		/**
		 * Starts Redis again on the same address, empty, and waits until it answers, and until the application's
		 * client does; once.
		 * @throws IllegalStateException when the application's client does not answer within 30 seconds
		 */
		@Override
		public void close() {
			synchronized (OtherInstance.this) {
				if (this.ended) {
					return;
				}
				this.ended = true;
				OtherInstance.this.outage = null;
				this.redis.restart();
			}
			RedissonClient application = OtherInstance.this.application;
			if (application != null) {
				awaitAnswer(application);
			}
		}

		private void awaitAnswer(RedissonClient client) {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (true) {
				try {
					client.getKeys().countExists(OtherInstance.this.namePrefix + "outage-probe");
					return;
				}
				catch (RuntimeException ex) {
					if (System.nanoTime() > deadline) {
						throw new IllegalStateException("Redis is back, but the application's client did not answer "
								+ "within 30 seconds", ex);
					}
				}
				try {
					Thread.sleep(100);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("Interrupted while waiting for the application's client", ex);
				}
			}
		}

	}

}
