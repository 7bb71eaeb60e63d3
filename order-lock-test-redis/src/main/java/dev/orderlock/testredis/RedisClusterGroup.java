package dev.orderlock.testredis;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis Cluster on loopback: three primaries without replicas, slots 0-5460, 5461-10922 and 10923-16383, all
 * {@code redis-server} processes on free ports. Only the {@code redis-server} binary is needed (the one on
 * {@code PATH}, else embedded-redis's): the cluster is formed with {@code CLUSTER ADDSLOTS} and {@code CLUSTER MEET}
 * sent by this class, not by {@code redis-cli --cluster create}.
 * <p>
 * {@link #start()} returns once every node reports {@code cluster_state:ok}; otherwise it fails with an
 * {@link IllegalStateException} naming the node that did not come up and its log, and kills what it started.
 * {@link #close()} kills every process and deletes the working directory.
 */
public final class RedisClusterGroup implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RedisClusterGroup.class);

	private static final int[][] SLOT_RANGES = { { 0, 5460 }, { 5461, 10922 }, { 10923, 16383 } };

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

	private final Path dir;

	private final List<RedisNode> nodes = new ArrayList<>();

	private RedisClusterGroup(Path dir) {
		this.dir = dir;
	}

	/** Starts the cluster with the {@code redis-server} on {@code PATH}, else the one shipped in embedded-redis. */
	public static RedisClusterGroup start() {
		return start(RedisProcess.binary());
	}

	static RedisClusterGroup start(File binary) {
		RedisClusterGroup group = new RedisClusterGroup(RedisNode.tempDir("order-lock-cluster"));
		try {
			group.launch(binary);
			return group;
		}
		catch (RuntimeException ex) {
			// The logs stay, the failure points at them.
			group.nodes.forEach(RedisNode::kill);
			throw ex;
		}
	}

	private void launch(File binary) {
		for (int i = 0; i < SLOT_RANGES.length; i++) {
			String name = "node-" + (i + 1);
			this.nodes.add(RedisNode.start(binary, this.dir, name, RedisClusterGroup::portWithFreeBusPort,
					(port) -> List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
							"--appendonly", "no", "--daemonize", "no", "--cluster-enabled", "yes",
							"--cluster-config-file", this.dir.resolve(name + "-nodes.conf").toString(),
							"--cluster-node-timeout", "2000")));
		}
		for (int i = 0; i < SLOT_RANGES.length; i++) {
			RedisNode node = this.nodes.get(i);
			// ADDSLOTS, not ADDSLOTSRANGE: the embedded-redis binary is Redis 6.2, which lacks the latter.
			List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
			for (int slot = SLOT_RANGES[i][0]; slot <= SLOT_RANGES[i][1]; slot++) {
				command.add(String.valueOf(slot));
			}
			call(node, command.toArray(String[]::new));
		}
		RedisNode first = this.nodes.get(0);
		for (RedisNode other : this.nodes.subList(1, this.nodes.size())) {
			call(first, "CLUSTER", "MEET", "127.0.0.1", String.valueOf(other.port));
		}
		for (RedisNode node : this.nodes) {
			RedisNode.await(READY_TIMEOUT, () -> isReady(node),
					() -> node + " did not report cluster_state:ok with 3 known nodes; CLUSTER INFO says: "
							+ Resp.text(node.port, "CLUSTER", "INFO"));
		}
		logger.info("Started Redis Cluster {}", nodes());
	}

	/** The nodes as {@code 127.0.0.1:port,...}, the form of {@code spring.data.redis.cluster.nodes}. */
	public String nodes() {
		return this.nodes.stream().map((n) -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
	}

	/** The nodes in Redisson's form, e.g. {@code redis://127.0.0.1:53123}. */
	public List<String> nodeAddresses() {
		return this.nodes.stream().map((n) -> "redis://127.0.0.1:" + n.port).toList();
	}

	/** The slot of {@code key} as the cluster computes it ({@code CLUSTER KEYSLOT}, hash tags included). */
	public int slotOf(String key) {
		return ((Long) call(this.nodes.get(0), "CLUSTER", "KEYSLOT", key)).intValue();
	}

	/** The port of the node serving {@code slot}. */
	public int portOfSlot(int slot) {
		for (int i = 0; i < SLOT_RANGES.length; i++) {
			if (slot >= SLOT_RANGES[i][0] && slot <= SLOT_RANGES[i][1]) {
				return this.nodes.get(i).port;
			}
		}
		throw new IllegalArgumentException("No slot " + slot + "; slots are 0-16383");
	}

	/** Kills every process and deletes the working directory (logs and cluster configuration). */
	@Override
	public void close() {
		RedisNode.killAllAndDelete(this.nodes, this.dir);
	}

	private static boolean isReady(RedisNode node) {
		String info = Resp.text(node.port, "CLUSTER", "INFO");
		return "ok".equals(Resp.field(info, "cluster_state")) && "3".equals(Resp.field(info, "cluster_known_nodes"))
				&& "16384".equals(Resp.field(info, "cluster_slots_ok"));
	}

	private static Object call(RedisNode node, String... command) {
		try {
			return Resp.call(node.port, Duration.ofSeconds(5), command);
		}
		catch (IllegalStateException ex) {
			throw new IllegalStateException(ex.getMessage() + "; see the log of " + node, ex);
		}
	}

	/**
	 * A free port whose cluster bus port (port + 10000, fixed in Redis 6.2) is free too; ephemeral ports from the OS
	 * could put the bus past 65535.
	 */
	private static int portWithFreeBusPort() {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(20000, 30000);
			if (isFree(port) && isFree(port + 10000)) {
				return port;
			}
		}
		throw new IllegalStateException("No free port pair (port, port + 10000) between 20000 and 40000");
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
