package dev.orderlock.testredis;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

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

}
