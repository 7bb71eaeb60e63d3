package dev.orderlock.test;

import java.util.Map;

import dev.orderlock.testredis.TestRedis;
import org.jspecify.annotations.Nullable;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.support.EncodedResource;
import org.springframework.core.io.support.PropertySourceFactory;

/**
 * The property source of {@link AutoConfigureTestRedis}: the kit's Redis's host and port. Called when a context is
 * loaded (not for a cached one), before environment post-processors run, so they see a configured Redis.
 */
final class TestRedisPropertySourceFactory implements PropertySourceFactory {

	static final String NAME = "orderLockTestRedis";

	@Override
	public PropertySource<?> createPropertySource(@Nullable String name, EncodedResource resource) {
		TestRedis redis = KitRedis.shared();
		return new MapPropertySource(NAME, Map.of("spring.data.redis.host", redis.host(), "spring.data.redis.port",
				String.valueOf(redis.port())));
	}

}
