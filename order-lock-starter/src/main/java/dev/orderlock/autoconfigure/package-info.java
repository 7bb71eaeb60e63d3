/**
 * Spring Boot auto-configuration of order-lock: the template on the application's {@code RedissonClient}, the
 * advisor, the start-up checks, meters and observations, and the {@code order-lock.*} properties.
 */
@NullMarked
package dev.orderlock.autoconfigure;

import org.jspecify.annotations.NullMarked;
