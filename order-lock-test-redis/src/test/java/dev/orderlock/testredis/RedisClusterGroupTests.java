package dev.orderlock.testredis;

import java.io.File;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cluster the cluster tests rely on: three primaries sharing the 16384 slots, each answering
 * {@code cluster_state:ok} and redirecting keys of the others' slots.
 */
@Timeout(90)
class RedisClusterGroupTests {

	@Test
	void threePrimariesShareAllSlotsAndReportOk() {
		try (RedisClusterGroup cluster = RedisClusterGroup.start()) {
			assertThat(cluster.nodes().split(",")).hasSize(3);
			assertThat(cluster.nodeAddresses()).hasSize(3).allMatch((address) -> address.startsWith("redis://127.0.0.1:"));
			Set<Integer> ports = new HashSet<>();
			for (String node : cluster.nodes().split(",")) {
				int port = Integer.parseInt(node.split(":")[1]);
				ports.add(port);
				String info = Resp.text(port, "CLUSTER", "INFO");
				assertThat(Resp.field(info, "cluster_state")).isEqualTo("ok");
				assertThat(Resp.field(info, "cluster_slots_assigned")).isEqualTo("16384");
				assertThat(Resp.field(info, "cluster_known_nodes")).isEqualTo("3");
			}
			assertThat(ports).containsExactlyInAnyOrder(cluster.portOfSlot(0), cluster.portOfSlot(5461),
					cluster.portOfSlot(16383));
			// CRC16("foo") is slot 12182: served by the third node, redirected by the first.
			assertThat(cluster.slotOf("foo")).isEqualTo(12182);
			int owner = cluster.portOfSlot(12182);
			assertThat(Resp.call(owner, Duration.ofSeconds(1), "SET", "foo", "bar")).isEqualTo("OK");
			assertThatThrownBy(() -> Resp.call(cluster.portOfSlot(0), Duration.ofSeconds(1), "GET", "foo"))
				.hasMessageContaining("MOVED 12182 127.0.0.1:" + owner);
		}
	}

	@Test
	void embeddedRedisBinaryFormsTheClusterWhenNoneIsOnThePath() {
		try (RedisClusterGroup cluster = RedisClusterGroup.start(RedisProcess.embeddedBinary())) {
			int port = cluster.portOfSlot(0);
			assertThat(Resp.field(Resp.text(port, "CLUSTER", "INFO"), "cluster_state")).isEqualTo("ok");
		}
	}

	@Test
	void serverThatDoesNotComeUpFailsNamingItAndItsLog() {
		File notRedis = new File("/bin/false");
		assumeTrue(notRedis.canExecute(), "needs /bin/false to stand for a broken redis-server");
		IllegalStateException failure = catchThrowableOfType(IllegalStateException.class,
				() -> RedisClusterGroup.start(notRedis));
		assertThat(failure).hasMessageContaining("node-1")
			.hasMessageContaining("did not come up")
			.hasMessageMatching("(?s).*see its log .*node-1\\.log.*");
		// The logs are kept for the one who reads the failure; this test reads the message only.
		Matcher log = Pattern.compile("see its log (\\S+)").matcher(failure.getMessage());
		assertThat(log.find()).isTrue();
		FileSystemUtils.deleteRecursively(new File(log.group(1)).getParentFile());
	}

}
