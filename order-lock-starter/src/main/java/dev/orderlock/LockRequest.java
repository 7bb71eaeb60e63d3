package dev.orderlock;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import dev.orderlock.support.KeyText;
import org.jspecify.annotations.Nullable;

/**
 * What one guarded call locks and how: the orders' keys and the options, as one immutable value. The annotation
 * builds one per method at start-up (and adds the keys per call); programmatic callers build their own and hand it
 * to {@link OrderLockTemplate#execute(LockRequest, LockCallback)}. Every option holds for every return style and
 * every number of keys; a combination that cannot work is refused here, when the request is built, with
 * {@link IllegalArgumentException} (for the annotation: at start-up, naming the method).
 * <p>
 * Keys are canonical: duplicates once, in natural {@code String} order, which is the order they are locked in, so
 * that two calls with overlapping keys never wait for each other in a cycle. A key is used exactly as given; two
 * keys take the same lock only when they are equal strings. Blank keys and keys longer than
 * {@code order-lock.max-key-length} are refused when the call is made, before anything reaches Redis.
 * <pre class="code">
 * LockRequest request = LockRequest.of(String.valueOf(orderId)).fenced(true).maxHoldTime(Duration.ofSeconds(30));
 * template.execute(request, (lock) -&gt; orders.markPaid(orderId, lock.fencingToken().getAsLong()));
 * </pre>
 */
public final class LockRequest {

	/** The name used in messages and metric tags when a caller gives none. */
	public static final String DEFAULT_NAME = "OrderLockTemplate";

	private final List<String> keys;

	private final LockKind kind;

	private final @Nullable Duration waitTime;

	private final @Nullable Duration leaseTime;

	private final @Nullable Duration maxHoldTime;

	private final boolean fenced;

	private final String name;

	private LockRequest(List<String> keys, LockKind kind, @Nullable Duration waitTime, @Nullable Duration leaseTime,
			@Nullable Duration maxHoldTime, boolean fenced, String name) {
		this.keys = keys;
		this.kind = kind;
		this.waitTime = waitTime;
		this.leaseTime = leaseTime;
		this.maxHoldTime = maxHoldTime;
		this.fenced = fenced;
		this.name = name;
		String problem = problem();
		if (problem != null) {
			throw new IllegalArgumentException("Lock request " + name + " " + problem);
		}
	}

	/** A request for the exclusive lock of one order, with the template's defaults. */
	public static LockRequest of(String key) {
		// A null key is refused per call like a blank one, with the call's name.
		return new LockRequest(List.of((key != null) ? key : ""), LockKind.EXCLUSIVE, null, null, null, false, DEFAULT_NAME);
	}

	/** A request for the locks of every order in {@code keys}, all or nothing, with the template's defaults. */
	public static LockRequest of(Collection<String> keys) {
		return new LockRequest(canonical(keys), LockKind.EXCLUSIVE, null, null, null, false, DEFAULT_NAME);
	}

	/** The same options for another order: build the options once, then one request per call. */
	public LockRequest forKey(String key) {
		return new LockRequest(List.of(key), this.kind, this.waitTime, this.leaseTime, this.maxHoldTime, this.fenced,
				this.name);
	}

	/** The same options for other orders: build the options once, then one request per call. */
	public LockRequest forKeys(Collection<String> keys) {
		return new LockRequest(canonical(keys), this.kind, this.waitTime, this.leaseTime, this.maxHoldTime,
				this.fenced, this.name);
	}

	/** Which lock to take; {@link LockKind#EXCLUSIVE} by default. */
	public LockRequest kind(LockKind kind) {
		Objects.requireNonNull(kind, "kind must not be null");
		return new LockRequest(this.keys, kind, this.waitTime, this.leaseTime, this.maxHoldTime, this.fenced,
				this.name);
	}

	/** How long to wait for busy locks, all keys together; {@code null} for {@code order-lock.wait-time}. */
	public LockRequest waitTime(@Nullable Duration waitTime) {
		return new LockRequest(this.keys, this.kind, waitTime, this.leaseTime, this.maxHoldTime, this.fenced,
				this.name);
	}

	/** A fixed lease after which Redis frees the lock; {@code null} (the default) for watchdog renewal. */
	public LockRequest leaseTime(@Nullable Duration leaseTime) {
		return new LockRequest(this.keys, this.kind, this.waitTime, leaseTime, this.maxHoldTime, this.fenced,
				this.name);
	}

	/** The longest the lock may be held; {@code null} for {@code order-lock.max-hold-time}. */
	public LockRequest maxHoldTime(@Nullable Duration maxHoldTime) {
		return new LockRequest(this.keys, this.kind, this.waitTime, this.leaseTime, maxHoldTime, this.fenced,
				this.name);
	}

	/** Whether the lock hands out a fencing token (one exclusive order only); see {@link OrderLock#fenced()}. */
	public LockRequest fenced(boolean fenced) {
		return new LockRequest(this.keys, this.kind, this.waitTime, this.leaseTime, this.maxHoldTime, fenced,
				this.name);
	}

	/** The name in messages and in the {@code name} tag of meters: one per code path, never per order. */
	public LockRequest name(String name) {
		Objects.requireNonNull(name, "name must not be null");
		return new LockRequest(this.keys, this.kind, this.waitTime, this.leaseTime, this.maxHoldTime, this.fenced,
				name);
	}

	public List<String> keys() {
		return this.keys;
	}

	public LockKind kind() {
		return this.kind;
	}

	public @Nullable Duration waitTime() {
		return this.waitTime;
	}

	public @Nullable Duration leaseTime() {
		return this.leaseTime;
	}

	public @Nullable Duration maxHoldTime() {
		return this.maxHoldTime;
	}

	public boolean fenced() {
		return this.fenced;
	}

	public String name() {
		return this.name;
	}

	/**
	 * Why these options cannot work together, or {@code null}: the one place these rules live. A key count of
	 * several is only known per call for the annotation; {@link OrderLockOptions} holds them.
	 */
	private @Nullable String problem() {
		if (this.waitTime != null && this.waitTime.isNegative()) {
			return "has a negative waitTime " + this.waitTime;
		}
		if (this.leaseTime != null && (this.leaseTime.isNegative() || this.leaseTime.isZero())) {
			return "has a leaseTime that is not positive: " + this.leaseTime;
		}
		if (this.maxHoldTime != null && (this.maxHoldTime.isNegative() || this.maxHoldTime.isZero())) {
			return "has a maxHoldTime that is not positive: " + this.maxHoldTime;
		}
		OrderLockOptions.Conflict conflict = OrderLockOptions.conflict(this.kind, this.fenced, this.leaseTime != null,
				this.keys.size() > 1);
		return (conflict != null) ? conflict.toString() : null;
	}

	private static List<String> canonical(Collection<String> keys) {
		Objects.requireNonNull(keys, "keys must not be null");
		TreeSet<String> sorted = new TreeSet<>();
		for (String key : keys) {
			// Blank keys are refused per call, with the call's name; a null one cannot even be sorted.
			sorted.add((key != null) ? key : "");
		}
		return List.copyOf(sorted);
	}

	@Override
	public String toString() {
		return "LockRequest[" + this.name + " " + KeyText.render(this.keys.toString()) + ", " + this.kind
				+ (this.fenced ? ", fenced" : "") + ((this.waitTime != null) ? ", waitTime " + this.waitTime : "")
				+ ((this.leaseTime != null) ? ", leaseTime " + this.leaseTime : "")
				+ ((this.maxHoldTime != null) ? ", maxHoldTime " + this.maxHoldTime : "") + "]";
	}

}
