package dev.orderlock.actuate;

import java.util.List;

import dev.orderlock.OrderLockHold;
import dev.orderlock.OrderLockInspector;
import dev.orderlock.OrderLockInspector.Holder;
import dev.orderlock.OrderLockInspector.Inspection;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.support.KeyText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.redisson.client.RedisException;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * {@code /actuator/orderlocks}: {@code GET} lists the locks this instance holds (no Redis call); {@code GET /{key}}
 * says whether any instance holds that order's lock, who, and its remaining lease (one round trip; never takes the
 * lock); {@code DELETE /{key}} force-releases it, only with {@code order-lock.admin.force-release-enabled=true}
 * (403 otherwise), each use logged at WARN with the key and the holder, and counted. Keys are rendered safely in
 * every answer and log line. Exposure and security are Actuator's own settings.
 * <p>
 * Answers 400 for a blank or over-long key and 503 when Redis does not answer; never 500 for either.
 */
@WebEndpoint(id = "orderlocks")
public class OrderLocksEndpoint {

	private static final Log logger = LogFactory.getLog(OrderLocksEndpoint.class);

	private final OrderLockTemplate template;

	private final OrderLockInspector inspector;

	private final boolean forceReleaseEnabled;

	public OrderLocksEndpoint(OrderLockTemplate template, OrderLockInspector inspector, boolean forceReleaseEnabled) {
		this.template = template;
		this.inspector = inspector;
		this.forceReleaseEnabled = forceReleaseEnabled;
	}

	@ReadOperation
	public HeldLocks locks() {
		List<HeldLockEntry> locks = this.template.currentHolds().stream().map(HeldLockEntry::of).toList();
		return new HeldLocks(this.inspector.clientId(), locks);
	}

	@ReadOperation
	public WebEndpointResponse<Object> lock(@Selector String key) {
		try {
			return new WebEndpointResponse<>(LockState.of(this.inspector.inspect(key)));
		}
		catch (IllegalArgumentException ex) {
			return problem(400, ex.getMessage());
		}
		catch (RedisException ex) {
			return unavailable(ex);
		}
	}

	@DeleteOperation
	public WebEndpointResponse<Object> release(@Selector String key) {
		if (!this.forceReleaseEnabled) {
			return problem(403, "Force-release is off. Set order-lock.admin.force-release-enabled=true to allow it; "
					+ "it is safe only when the holder is known to be dead, or the method is fenced.");
		}
		List<Holder> holders;
		try {
			holders = this.inspector.forceRelease(key);
		}
		catch (IllegalArgumentException ex) {
			return problem(400, ex.getMessage());
		}
		catch (RedisException ex) {
			return unavailable(ex);
		}
		if (!holders.isEmpty()) {
			logger.warn("Force-released the lock of key '" + KeyText.render(key) + "' held by " + holders
					+ " (orderlocks endpoint). Unless that holder was dead or its method is fenced, it may still change "
					+ "the order.");
		}
		return new WebEndpointResponse<>(new Released(KeyText.render(key), !holders.isEmpty(), holders));
	}

	private static WebEndpointResponse<Object> unavailable(RedisException ex) {
		return problem(503, "Redis did not answer: " + KeyText.render(ex));
	}

	private static WebEndpointResponse<Object> problem(int status, @Nullable String detail) {
		return new WebEndpointResponse<>(new Problem(status, String.valueOf(detail)), status);
	}

	/** {@code GET}: this instance's Redisson client id, as holders show it, and its locks. */
	public record HeldLocks(String clientId, List<HeldLockEntry> locks) {
	}

	/** One lock this instance holds; {@code key} joins several orders' keys with {@code ", "}. */
	public record HeldLockEntry(String key, List<String> keys, String kind, String method, long heldForMillis, String owner,
			boolean transactionBound, @Nullable Long fencingToken, boolean leaseLost) {

		static HeldLockEntry of(OrderLockHold hold) {
			List<String> keys = hold.keys().stream().map(KeyText::render).toList();
			return new HeldLockEntry(String.join(", ", keys), keys, hold.kind().name(), hold.name(),
					hold.heldFor().toMillis(), hold.owner(), hold.transactionBound(),
					hold.fencingToken().isPresent() ? hold.fencingToken().getAsLong() : null, hold.leaseLost());
		}

	}

	/** {@code GET /{key}}: what Redis says of the order's lock. */
	public record LockState(String key, String lockName, boolean locked, List<Holder> holders,
			@Nullable Long remainingLeaseMillis, @Nullable String mode) {

		static LockState of(Inspection inspection) {
			return new LockState(KeyText.render(inspection.key()), KeyText.render(inspection.lockName()),
					inspection.locked(), inspection.holders(),
					inspection.remainingLease().map(java.time.Duration::toMillis).orElse(null),
					inspection.mode().orElse(null));
		}

	}

	/** {@code DELETE /{key}}: whether a lock was freed, and whose. */
	public record Released(String key, boolean released, List<Holder> holders) {
	}

	/** A refusal, with the reason. */
	public record Problem(int status, String detail) {
	}

}
