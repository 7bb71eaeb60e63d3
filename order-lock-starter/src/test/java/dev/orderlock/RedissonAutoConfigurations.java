package dev.orderlock;

import org.redisson.spring.starter.RedissonAutoConfigurationV2;
import org.redisson.spring.starter.RedissonAutoConfigurationV4;

import org.springframework.util.ClassUtils;

/**
 * The Redisson auto-configuration that Spring Boot on the test class path applies: {@code V4} on Boot 4, {@code V2}
 * on Boot 3.5 (the {@code boot3} build), so one test class covers both.
 */
final class RedissonAutoConfigurations {

	private RedissonAutoConfigurations() {
	}

	static Class<?> forThisBoot() {
		// V4 binds Boot 4's DataRedisProperties, V2 Boot 3's RedisProperties; each fails to load on the other Boot.
		boolean boot4 = ClassUtils.isPresent("org.springframework.boot.data.redis.autoconfigure.DataRedisProperties",
				RedissonAutoConfigurations.class.getClassLoader());
		return boot4 ? RedissonAutoConfigurationV4.class : RedissonAutoConfigurationV2.class;
	}

	/** Spring Boot's own Redis auto-configuration (Lettuce or Jedis), as named on this Boot. */
	static Class<?> springDataRedisForThisBoot() {
		String boot4 = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration";
		String boot3 = "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration";
		ClassLoader loader = RedissonAutoConfigurations.class.getClassLoader();
		return ClassUtils.resolveClassName(ClassUtils.isPresent(boot4, loader) ? boot4 : boot3, loader);
	}

}
