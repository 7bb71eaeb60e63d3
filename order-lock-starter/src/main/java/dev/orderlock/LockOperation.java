package dev.orderlock;

import java.lang.reflect.Method;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What one {@link OrderLock} method needs at call time, resolved once at start-up: the parsed key expression and
 * the parsed durations.
 *
 * @param method the annotated method, as declared on the target class
 * @param description the method as users name it, for messages
 * @param keyText the key expression as written
 * @param key the parsed key expression
 * @param waitTime the annotation's wait time; {@code null} for {@code order-lock.wait-time}
 * @param leaseTime the annotation's fixed lease; {@code null} for watchdog renewal
 * @param maxHoldTime the annotation's hold-time cap; {@code null} for {@code order-lock.max-hold-time}
 * @param fenced whether the lock hands out fencing tokens
 * @param kind which Redisson lock to take
 * @param returns how the method hands back its work, and so how long the lock is held
 */
record LockOperation(Method method, String description, String keyText, KeyExpression key, @Nullable Duration waitTime,
		@Nullable Duration leaseTime, @Nullable Duration maxHoldTime, boolean fenced, LockKind kind,
		LockedReturn returns) {
}
