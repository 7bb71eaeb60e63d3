/**
 * Testing services guarded by {@code @OrderLock}: a real Redis with no set-up ({@link AutoConfigureTestRedis},
 * {@link OrderLockRedisContainer}), lock assertions ({@link OrderLockAssertions}), and another instance that holds an
 * order, takes a lease away or takes Redis down ({@link OtherInstance}). Everything else here is package-private.
 */
@NullMarked
package dev.orderlock.test;

import org.jspecify.annotations.NullMarked;
