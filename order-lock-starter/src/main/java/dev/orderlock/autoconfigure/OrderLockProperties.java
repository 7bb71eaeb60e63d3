package dev.orderlock.autoconfigure;

import java.time.Duration;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockException;
import dev.orderlock.OrderLockLeaseLostException;
import dev.orderlock.OrderLockUnavailableException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.Ordered;

/**
 * Configuration of order-lock, under {@code order-lock.*}.
 */
@ConfigurationProperties("order-lock")
public class OrderLockProperties {

	/** Order of the lock advisor; lower than the transaction advisor's so the lock outlives the commit. */
	public static final int DEFAULT_ADVISOR_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

	/**
	 * Whether methods annotated with @OrderLock are locked. When false they run WITHOUT any lock (only for showing the
	 * race in a demo or a test; never in production).
	 */
	private boolean enabled = true;

	/** Prefix of every lock's Redis key, which is "<prefix>:<resolved key>". */
	private String keyPrefix = "order-lock";

	/** How long to wait for a busy lock when the annotation does not say. */
	private Duration waitTime = Duration.ofSeconds(5);

	/**
	 * Lease of a lock without a fixed lease time, renewed by Redisson's watchdog every third of it while the method
	 * runs; also how long a crashed instance's lock stays. Handed to Redisson's lockWatchdogTimeout when order-lock's
	 * auto-configuration customizes the RedissonClient; unset keeps Redisson's (30s unless configured there).
	 */
	private @Nullable Duration watchdogTimeout;

	/**
	 * Longest any lock is held unless @OrderLock(maxHoldTime) says otherwise: past it the lock is released even if
	 * the method still runs, and the method's end fails with OrderLockLeaseLostException. Unset means no cap.
	 */
	private @Nullable Duration maxHoldTime;

	/**
	 * How long a call waits for Redis to answer before failing closed with OrderLockUnavailableException, whatever
	 * the wait time (which counts only once Redis has said the order is busy); also bounds the ownership check before
	 * a commit and the release. 0 leaves the bound to Redisson's timeout, retryAttempts and retryDelay (seconds,
	 * during which an outage holds every guarded request).
	 */
	private @Nullable Duration redisTimeout = Duration.ofSeconds(1);

	/**
	 * Longest lock key, in characters, a call may lock on; a longer one fails the call with OrderLockException before
	 * anything is sent to Redis. Keeps text a caller sent from becoming a lock name Redis stores with every lock.
	 */
	private int maxKeyLength = 1024;

	/**
	 * Order of the lock advisor among other advisors. Must be lower (outer) than the transaction advisor's
	 * (Ordered.LOWEST_PRECEDENCE by default) so the lock is released after the commit.
	 */
	private int advisorOrder = DEFAULT_ADVISOR_ORDER;

	/**
	 * Whether callers in this instance that want the same order queue locally (first come, first served), so that
	 * only one of them at a time waits in Redis. Raises throughput on a hot order; every caller still takes the Redis
	 * lock, so exclusion across instances is unchanged. The wait time covers the local and the Redis wait.
	 */
	private boolean localHandOff;

	private final Admin admin = new Admin();

	public Admin getAdmin() {
		return this.admin;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public Duration getWaitTime() {
		return this.waitTime;
	}

	public void setWaitTime(Duration waitTime) {
		this.waitTime = waitTime;
	}

	public @Nullable Duration getWatchdogTimeout() {
		return this.watchdogTimeout;
	}

	public void setWatchdogTimeout(@Nullable Duration watchdogTimeout) {
		this.watchdogTimeout = watchdogTimeout;
	}

	public boolean isLocalHandOff() {
		return this.localHandOff;
	}

	public void setLocalHandOff(boolean localHandOff) {
		this.localHandOff = localHandOff;
	}

	public @Nullable Duration getMaxHoldTime() {
		return this.maxHoldTime;
	}

	public void setMaxHoldTime(@Nullable Duration maxHoldTime) {
		this.maxHoldTime = maxHoldTime;
	}

	public @Nullable Duration getRedisTimeout() {
		return this.redisTimeout;
	}

	public void setRedisTimeout(@Nullable Duration redisTimeout) {
		this.redisTimeout = redisTimeout;
	}

	public int getMaxKeyLength() {
		return this.maxKeyLength;
	}

	public void setMaxKeyLength(int maxKeyLength) {
		this.maxKeyLength = maxKeyLength;
	}

	public int getAdvisorOrder() {
		return this.advisorOrder;
	}

	public void setAdvisorOrder(int advisorOrder) {
		this.advisorOrder = advisorOrder;
	}

	/** What operators may do through the {@code orderlocks} Actuator endpoint. */
	public static class Admin {

		/**
		 * Whether DELETE on the orderlocks endpoint may force-release a lock held by another instance. Safe only when
		 * the holder is known to be dead, or the method is fenced.
		 */
		private boolean forceReleaseEnabled;

		public boolean isForceReleaseEnabled() {
			return this.forceReleaseEnabled;
		}

		public void setForceReleaseEnabled(boolean forceReleaseEnabled) {
			this.forceReleaseEnabled = forceReleaseEnabled;
		}

	}

}
