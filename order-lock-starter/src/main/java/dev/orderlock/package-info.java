/**
 * {@code @OrderLock}: one Redisson lock per order across every instance, held until the transaction commits.
 * <p>
 * What applications code against: {@link dev.orderlock.OrderLock} on methods; {@link dev.orderlock.LockRequest} with
 * {@link dev.orderlock.OrderLockTemplate} (and {@link dev.orderlock.ReactiveOrderLockTemplate} for {@code Mono}s) in
 * code; {@link dev.orderlock.OrderLockContext} and {@link dev.orderlock.OrderLockStatus} inside the locked work; the
 * exceptions, all under {@link dev.orderlock.OrderLockException}. The lifecycle behind the template (acquire, hold,
 * check, release) is package-private here. Annotation support lives in {@code dev.orderlock.interceptor}, meters and
 * observations in {@code dev.orderlock.observation}, Spring Boot wiring in {@code dev.orderlock.autoconfigure}.
 */
@NullMarked
package dev.orderlock;

import org.jspecify.annotations.NullMarked;
