package dev.orderlock.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.orderlock.testredis.TestRedis;

import org.springframework.test.context.TestPropertySource;

/**
 * Points the application under test at a real, throwaway Redis, started for the test JVM on first use: put it on a
 * {@code @SpringBootTest} class and nothing else is needed. The Redis is {@link TestRedis#shared()}: a Testcontainers
 * container ({@code redis:7-alpine}) when a Docker engine answers, otherwise a {@code redis-server} process (from
 * {@code PATH}, else the binary inside embedded-redis); the environment variable or system property
 * {@code ORDER_LOCK_TEST_REDIS=process} (or {@code docker}) forces one. It is never the Redis on 6379, and it stops
 * when the JVM exits.
 * <p>
 * It sets {@code spring.data.redis.host} and {@code spring.data.redis.port} as a test property source: above
 * {@code application.properties}, below the test's own {@code properties}, and visible to environment
 * post-processors. An application that configures {@code spring.data.redis.url}, a sentinel, a cluster, a password
 * or Redisson's own {@code spring.redis.redisson.config} for tests must leave that out in the test, since those win
 * over host and port. The key prefix stays the application's ({@code order-lock.key-prefix}).
 * <p>
 * Fails the context start with an {@link IllegalStateException} naming what it tried when no Redis could be started;
 * when Docker answers but the container cannot be started (the image cannot be pulled, say) the message says so
 * and how to force the {@code redis-server} fallback. {@link OtherInstance#redisUnavailable()} can stop and restart
 * this Redis to test an outage.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@TestPropertySource(locations = "classpath:dev/orderlock/test/test-redis.properties",
		factory = TestRedisPropertySourceFactory.class)
public @interface AutoConfigureTestRedis {

}
