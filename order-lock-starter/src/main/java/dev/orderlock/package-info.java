/**
 * {@code @OrderLock}: one Redisson lock per order across every instance, held until the transaction commits.
 */
@NullMarked
package dev.orderlock;

import org.jspecify.annotations.NullMarked;
