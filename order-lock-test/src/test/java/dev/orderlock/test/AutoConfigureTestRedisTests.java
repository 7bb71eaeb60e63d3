package dev.orderlock.test;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AutoConfigureTestRedis} beside a test's own {@code @TestPropertySource} and {@code properties}: all of them
 * apply.
 */
@SpringBootTest(classes = KitTestApplication.class, properties = "spring.data.redis.timeout=1500ms")
@TestPropertySource(properties = "kit.own-property=kept")
@AutoConfigureTestRedis
@Timeout(90)
class AutoConfigureTestRedisTests {

	@Autowired
	private Environment environment;

	@Autowired
	private Orders orders;

	@Test
	void kitsRedisAndTheTestsOwnPropertiesApplyTogether() {
		assertThat(this.environment.getProperty("kit.own-property")).isEqualTo("kept");
		assertThat(this.environment.getProperty("spring.data.redis.timeout")).isEqualTo("1500ms");
		assertThat(this.environment.getProperty("spring.data.redis.port"))
			.isEqualTo(String.valueOf(TestRedis.shared().port()));
		assertThat(this.orders.pay("kit-1")).isEqualTo("paid kit-1");
	}

}
