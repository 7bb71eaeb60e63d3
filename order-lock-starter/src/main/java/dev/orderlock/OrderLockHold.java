package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * One lock this instance holds right now, as {@link OrderLockTemplate#currentHolds()} and the {@code orderlocks}
 * Actuator endpoint show it: a snapshot, taken without any Redis call.
 *
 * @param keys the orders locked, as given (render them with care: a key may be anything a caller sent)
 * @param kind the kind of lock
 * @param name the guarded method ({@code OrderService.pay(long)}) or the request's name
 * @param heldFor how long it has been held
 * @param owner who holds it: {@code thread <name>} for a blocking call, {@code call <n>} for asynchronous work
 * @param transactionBound whether its release waits for a transaction's completion
 * @param fencingToken the token of a fenced lock, else empty
 * @param leaseLost whether this instance has already found it lost while its holder still runs
 */
public record OrderLockHold(List<String> keys, LockKind kind, String name, Duration heldFor, String owner,
		boolean transactionBound, OptionalLong fencingToken, boolean leaseLost) {

	public OrderLockHold {
		keys = List.copyOf(keys);
	}

}
