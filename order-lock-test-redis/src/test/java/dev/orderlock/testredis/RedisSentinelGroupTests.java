package dev.orderlock.testredis;

import java.io.File;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Sentinel group failover tests rely on: it comes up with a replica in sync and three sentinels that see each
 * other, and killing the primary really makes the sentinels promote the replica.
 */
@Timeout(90)
class RedisSentinelGroupTests {

	@Test
	void killedPrimaryIsReplacedByThePromotedReplica() {
		try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
			int primary = group.primaryPort();
			assertThat(primary).isNotEqualTo(6379);
			assertThat(TestRedis.ping("127.0.0.1", primary, Duration.ofSeconds(1))).isTrue();
			assertThat(group.sentinelNodes().split(",")).hasSize(3).allMatch((node) -> node.startsWith("127.0.0.1:"));
			assertThat(group.sentinelAddresses()).hasSize(3).allMatch((address) -> address.startsWith("redis://127.0.0.1:"));
			assertThat(Resp.call(primary, Duration.ofSeconds(1), "SET", "before-failover", "kept")).isEqualTo("OK");

			group.killPrimary();
			assertThat(TestRedis.ping("127.0.0.1", primary, Duration.ofMillis(500))).isFalse();
			long start = System.nanoTime();
			int promoted = group.awaitFailover(Duration.ofSeconds(30));
			System.out.printf("Sentinel failover took %d ms%n", Duration.ofNanos(System.nanoTime() - start).toMillis());

			assertThat(promoted).isNotEqualTo(primary);
			assertThat(group.primaryPort()).isEqualTo(promoted);
			assertThat(Resp.field(Resp.text(promoted, "INFO", "replication"), "role")).isEqualTo("master");
			assertThat(Resp.call(promoted, Duration.ofSeconds(1), "GET", "before-failover")).as("replicated before")
				.isEqualTo("kept");
			assertThat(Resp.call(promoted, Duration.ofSeconds(1), "SET", "after-failover", "written")).isEqualTo("OK");
		}
	}

	@Test
	void embeddedRedisBinaryRunsTheSentinelsWhenNoneIsOnThePath() {
		try (RedisSentinelGroup group = RedisSentinelGroup.start(RedisProcess.embeddedBinary())) {
			assertThat(TestRedis.ping("127.0.0.1", group.primaryPort(), Duration.ofSeconds(1))).isTrue();
			Object primary = Resp.call(Integer.parseInt(group.sentinelNodes().split(",")[0].split(":")[1]),
					Duration.ofSeconds(1), "SENTINEL", "get-master-addr-by-name", group.masterName());
			assertThat(primary).asList().containsExactly("127.0.0.1", String.valueOf(group.primaryPort()));
		}
	}

	@Test
	void serverThatDoesNotComeUpFailsNamingItAndItsLog() {
		File notRedis = new File("/bin/false");
		assumeTrue(notRedis.canExecute(), "needs /bin/false to stand for a broken redis-server");
		IllegalStateException failure = catchThrowableOfType(IllegalStateException.class,
				() -> RedisSentinelGroup.start(notRedis));
		assertThat(failure).hasMessageContaining("primary")
			.hasMessageContaining("did not come up")
			.hasMessageMatching("(?s).*see its log .*primary\\.log.*");
		// The logs are kept for the one who reads the failure; this test reads the message only.
		Matcher log = Pattern.compile("see its log (\\S+)").matcher(failure.getMessage());
		assertThat(log.find()).isTrue();
		FileSystemUtils.deleteRecursively(new File(log.group(1)).getParentFile());
	}

}
