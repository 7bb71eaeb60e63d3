package dev.orderlock.test;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ContainerFetchException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message for a Docker engine that answers but cannot run the Redis container: it says so and how to get past it.
 */
class KitRedisTests {

	@Test
	void containerThatCannotBeHadIsToldAsSuchWithTheFallback() {
		RuntimeException pull = new ContainerFetchException("Can't get Docker image: RemoteDockerImage(redis:7-alpine)",
				new RuntimeException("pull access denied"));
		RuntimeException told = KitRedis.explain(pull, "set ORDER_LOCK_TEST_REDIS=process");
		assertThat(told).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("A Docker engine answers, but the Redis container (redis:7-alpine) could not be started")
			.hasMessageContaining("docker pull redis:7-alpine")
			.hasMessageContaining("set ORDER_LOCK_TEST_REDIS=process")
			.hasCause(pull);
	}

	@Test
	void otherFailuresAreLeftAlone() {
		IllegalStateException noServer = new IllegalStateException("no redis-server could be run");
		assertThat(KitRedis.explain(noServer, "anything")).isSameAs(noServer);
	}

}
