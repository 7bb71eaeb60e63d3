package dev.orderlock.testredis;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The provider every locking test relies on: a real Redis on a free port (never 6379), which can be stopped and
 * brought back on the same address.
 */
@Timeout(60)
class TestRedisTests {

	@Test
	void startsARealRedisOnAFreePortThatSurvivesAnOutage() {
		try (TestRedis redis = TestRedis.start()) {
			assertThat(redis.port()).isNotEqualTo(6379);
			assertThat(redis.address()).isEqualTo("redis://" + redis.host() + ":" + redis.port());
			assertThat(redis.answersPing(Duration.ofSeconds(2))).isTrue();
			redis.stop();
			assertThat(redis.answersPing(Duration.ofMillis(500))).isFalse();
			redis.restart();
			assertThat(redis.answersPing(Duration.ofSeconds(2))).isTrue();
		}
	}

	@Test
	void embeddedRedisBinaryServesWhenNoneIsOnThePath() {
		try (TestRedis redis = RedisProcess.launch(RedisProcess.embeddedBinary())) {
			assertThat(redis.answersPing(Duration.ofSeconds(2))).isTrue();
		}
	}

	@Test
	void sharedRedisIsOneServerPerJvm() {
		assertThat(TestRedis.shared()).isSameAs(TestRedis.shared());
		assertThat(TestRedis.shared().answersPing(Duration.ofSeconds(2))).isTrue();
	}

	@Test
	void imageThatCannotBePulledIsNamedWithHowToForceTheProcessOrBuildTheImage() {
		RuntimeException cause = new RuntimeException("dial tcp: lookup registry-1.docker.io: no such host");
		IllegalStateException failure = TestRedis.imageUnavailable("redis:7-alpine", cause.getMessage(), cause);
		assertThat(failure).hasCause(cause)
			.hasMessageContaining("the Redis image redis:7-alpine could not be pulled (dial tcp: lookup")
			.hasMessageContaining("ORDER_LOCK_TEST_REDIS=process")
			.hasMessageContaining(".ci/testcontainers-check");
	}

	@Test
	void whereDockerAnswersAnImageThatCannotBePulledFailsTheStartWithThatMessage() {
		assumeTrue(DockerProbe.dockerAnswers(), "No Docker engine answers: nothing to pull from");
		assumeFalse(TestRedis.setting("ORDER_LOCK_TEST_REDIS", "auto").equalsIgnoreCase("process"),
				"ORDER_LOCK_TEST_REDIS=process: Docker is not used");
		// .invalid never resolves (RFC 2606), registry reachable or not: the pull fails at once.
		String image = "order-lock.invalid/no-such-redis:0";
		String before = System.getProperty("ORDER_LOCK_TEST_REDIS_IMAGE");
		System.setProperty("ORDER_LOCK_TEST_REDIS_IMAGE", image);
		try {
			assertThatIllegalStateException().isThrownBy(TestRedis::start)
				.withMessageContaining("A Docker engine answers, but the Redis image " + image + " could not be pulled")
				.withMessageContaining("ORDER_LOCK_TEST_REDIS=process");
		}
		finally {
			if (before != null) {
				System.setProperty("ORDER_LOCK_TEST_REDIS_IMAGE", before);
			}
			else {
				System.clearProperty("ORDER_LOCK_TEST_REDIS_IMAGE");
			}
		}
	}

}
