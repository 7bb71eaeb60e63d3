package dev.orderlock.test;

import dev.orderlock.testredis.TestRedis;
import org.jspecify.annotations.Nullable;

/**
 * The Redis the kit started for {@link AutoConfigureTestRedis} (one per JVM), and the message for a Docker engine
 * that answers but cannot run the Redis container.
 */
final class KitRedis {

	static final String IMAGE = "redis:7-alpine";

	private static volatile @Nullable TestRedis started;

	private KitRedis() {
	}

	static TestRedis shared() {
		TestRedis redis = started;
		if (redis == null) {
			try {
				redis = TestRedis.shared();
			}
			catch (RuntimeException ex) {
				throw explain(ex, "set ORDER_LOCK_TEST_REDIS=process (environment variable or -D system property) "
						+ "to run a redis-server process instead");
			}
			started = redis;
		}
		return redis;
	}

	/** The kit's Redis if it was started in this JVM; {@code null} otherwise (never starts one). */
	static @Nullable TestRedis startedOrNull() {
		return started;
	}

	/** A failure of the Docker path told as such, with the way out; any other failure unchanged. */
	static RuntimeException explain(RuntimeException failure, String fallback) {
		if (!fromDocker(failure)) {
			return failure;
		}
		return new IllegalStateException("A Docker engine answers, but the Redis container (" + IMAGE
				+ ") could not be started: " + failure.getMessage() + ". If the image cannot be pulled here (no network, "
				+ "a registry limit), pull it beforehand ('docker pull " + IMAGE + "') or " + fallback + ".", failure);
	}

	private static boolean fromDocker(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			String type = cause.getClass().getName();
			if (type.startsWith("org.testcontainers.") || type.startsWith("com.github.dockerjava.")) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

}
