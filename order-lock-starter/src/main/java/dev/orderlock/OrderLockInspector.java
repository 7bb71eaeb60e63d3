package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * What an operator asks about an order's lock, whichever instance holds it: who holds it and for how much longer
 * ({@link #inspect}, one round trip, never takes the lock), and, when the holder is known to be dead or the method
 * is fenced, freeing it ({@link #forceRelease}). Used by the {@code orderlocks} Actuator endpoint.
 * <p>
 * Failure behaviour: a blank key or one longer than the maximum key length fails with
 * {@link IllegalArgumentException} before anything reaches Redis; Redis failing fails with Redisson's
 * {@code RedisException}. A force-release never fails because the lock is not held: it says so.
 */
public class OrderLockInspector {

	/** Read-only: the lock's remaining lease and its holders (fields of the lock's hash), in one round trip. */
	private static final String INSPECT = """
			local t = redis.call('type', KEYS[1])['ok']
			if t == 'none' then return {-2} end
			local r = {redis.call('pttl', KEYS[1])}
			if t == 'hash' then
			  local f = redis.call('hgetall', KEYS[1])
			  for i = 1, #f do r[#r + 1] = f[i] end
			end
			return r""";

	/**
	 * The holders, then the lock deleted, atomically (the holder reported is the one freed); waiters of every kind
	 * are told as Redisson's own unlock tells them. The fencing token's key is separate and stays until it expires:
	 * tokens keep growing (they follow the Redis clock, see {@code ClockFencedLock}).
	 */
	private static final String FORCE_RELEASE = """
			if redis.call('type', KEYS[1])['ok'] ~= 'hash' then return {} end
			local f = redis.call('hgetall', KEYS[1])
			redis.call('del', KEYS[1])
			redis.call('publish', KEYS[2], 0)
			redis.call('publish', KEYS[3], 0)
			return f""";

	private final RedissonClient redisson;

	private final String namePrefix;

	private final int maxKeyLength;

	private final AtomicLong forceReleases = new AtomicLong();

	/**
	 * @param redisson the application's client
	 * @param keyPrefix the {@code order-lock.key-prefix} the locks are taken with
	 * @param maxKeyLength the longest key accepted, as {@code order-lock.max-key-length}
	 */
	public OrderLockInspector(RedissonClient redisson, String keyPrefix, int maxKeyLength) {
		Assert.notNull(redisson, "RedissonClient must not be null");
		Assert.hasText(keyPrefix, "order-lock.key-prefix must not be blank");
		this.redisson = redisson;
		this.namePrefix = keyPrefix + ":";
		this.maxKeyLength = maxKeyLength;
	}

	/** Whether any instance holds {@code key}'s lock, who, and its remaining lease. One round trip; takes nothing. */
	public Inspection inspect(String key) {
		String name = nameOf(key);
		List<Object> answer = script().eval(name, RScript.Mode.READ_ONLY, INSPECT, RScript.ReturnType.LIST,
				List.of(name));
		long pttl = ((Number) answer.get(0)).longValue();
		if (pttl == -2) {
			return new Inspection(key, name, false, List.of(), Optional.empty(), Optional.empty());
		}
		List<Object> fields = answer.subList(1, answer.size());
		Optional<String> mode = Optional.empty();
		for (int i = 0; i + 1 < fields.size(); i += 2) {
			if ("mode".equals(fields.get(i))) {
				mode = Optional.of(String.valueOf(fields.get(i + 1)));
			}
		}
		return new Inspection(key, name, true, holders(fields),
				(pttl >= 0) ? Optional.of(Duration.ofMillis(pttl)) : Optional.empty(), mode);
	}

	/**
	 * Frees {@code key}'s lock whoever holds it. Safe only when the holder is known to be dead, or when the method is
	 * fenced: a live holder then goes on, and only its fenced write (and its commit check) stops it.
	 * @return the holders freed; empty when nobody held it
	 */
	public List<Holder> forceRelease(String key) {
		String name = nameOf(key);
		List<Object> fields = script().eval(name, RScript.Mode.READ_WRITE, FORCE_RELEASE, RScript.ReturnType.LIST,
				List.of(name, channel("redisson_lock__channel", name), channel("redisson_rwlock", name)));
		if (!fields.isEmpty()) {
			this.forceReleases.incrementAndGet();
		}
		return holders(fields);
	}

	/** How many locks {@link #forceRelease} has freed: for the {@code order.lock.force.released} counter. */
	public long getForceReleaseCount() {
		return this.forceReleases.get();
	}

	/** This client's id, as holders of its locks show it. */
	public String clientId() {
		return this.redisson.getId();
	}

	private RScript script() {
		return this.redisson.getScript(StringCodec.INSTANCE);
	}

	private String nameOf(String key) {
		if (!StringUtils.hasText(key)) {
			throw new IllegalArgumentException("The key of an order's lock must not be blank.");
		}
		if (key.length() > this.maxKeyLength) {
			throw new IllegalArgumentException("The key is " + key.length() + " characters long, more than "
					+ "order-lock.max-key-length (" + this.maxKeyLength + "): no such lock can exist.");
		}
		return this.namePrefix + key;
	}

	/** Redisson's channel naming: {@code <prefix>:{<name>}}. */
	private static String channel(String prefix, String name) {
		return prefix + ":{" + name + "}";
	}

	/** Hash fields {@code <client id>:<thread or call>[:write]} with their hold counts; {@code mode} is no holder. */
	private List<Holder> holders(List<Object> fields) {
		List<Holder> holders = new ArrayList<>();
		String self = clientId();
		for (int i = 0; i + 1 < fields.size(); i += 2) {
			String field = String.valueOf(fields.get(i));
			int colon = field.indexOf(':');
			if (colon <= 0) {
				continue;
			}
			String clientId = field.substring(0, colon);
			holders.add(new Holder(clientId, field.substring(colon + 1), parseCount(fields.get(i + 1)),
					clientId.equals(self)));
		}
		return holders;
	}

	private static long parseCount(@Nullable Object value) {
		try {
			return Long.parseLong(String.valueOf(value));
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	/**
	 * What Redis says of one order's lock.
	 * @param key the key asked about
	 * @param lockName its Redis key
	 * @param locked whether anyone holds it
	 * @param holders who: one entry per holding thread or call (several for a read lock)
	 * @param remainingLease how long until it expires unless renewed; empty when free (or without expiry)
	 * @param mode {@code read} or {@code write} for a read/write lock, else empty
	 */
	public record Inspection(String key, String lockName, boolean locked, List<Holder> holders,
			Optional<Duration> remainingLease, Optional<String> mode) {

		public Inspection {
			holders = List.copyOf(holders);
		}

	}

	/**
	 * One holder of a lock.
	 * @param clientId the holding instance's Redisson client id ({@code RedissonClient.getId()})
	 * @param owner the thread id, or the call id of asynchronous work (negative), within that instance
	 * @param holdCount how many times it holds it (reentrant holds)
	 * @param thisInstance whether the holder is the instance that asked
	 */
	public record Holder(String clientId, String owner, long holdCount, boolean thisInstance) {
	}

}
