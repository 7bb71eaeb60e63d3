package dev.orderlock.testredis;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis Sentinel on loopback, for failover tests: a primary, one replica and three sentinels (quorum 2, primary
 * considered down after 1 s without an answer), all {@code redis-server} processes on free ports. Only the
 * {@code redis-server} binary is needed (the one on {@code PATH}, else embedded-redis's): sentinels run as
 * {@code redis-server sentinel.conf --sentinel}.
 * <p>
 * {@link #start()} returns once the replica is in sync and every sentinel sees the primary, the replica and the
 * other two sentinels; otherwise it fails with an {@link IllegalStateException} naming what did not come up and its
 * log, and kills what it started. {@link #close()} kills every process and deletes the working directory.
 */
public final class RedisSentinelGroup implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RedisSentinelGroup.class);

	private static final String MASTER_NAME = "order-lock-primary";

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

	private final Path dir;

	private final List<RedisNode> all = new CopyOnWriteArrayList<>();

	private final List<RedisNode> servers = new ArrayList<>();

	private final List<RedisNode> sentinels = new ArrayList<>();

	private volatile int primaryPort;

	private RedisSentinelGroup(Path dir) {
		this.dir = dir;
	}

	/** Starts the group with the {@code redis-server} on {@code PATH}, else the one shipped in embedded-redis. */
	public static RedisSentinelGroup start() {
		return start(RedisProcess.binary());
	}

	static RedisSentinelGroup start(File binary) {
		RedisSentinelGroup group = new RedisSentinelGroup(RedisNode.tempDir("order-lock-sentinel"));
		try {
			group.launch(binary);
			return group;
		}
		catch (RuntimeException ex) {
			// The logs stay, the failure points at them.
			group.all.forEach(RedisNode::kill);
			throw ex;
		}
	}

	private void launch(File binary) {
		RedisNode primary = add(this.servers,
				RedisNode.start(binary, this.dir, "primary", TestRedis::freePort, (port) -> serverArguments(port)));
		this.primaryPort = primary.port;
		RedisNode replica = add(this.servers, RedisNode.start(binary, this.dir, "replica", TestRedis::freePort,
				(port) -> with(serverArguments(port), "--replicaof", "127.0.0.1", String.valueOf(primary.port))));
		RedisNode.await(READY_TIMEOUT,
				() -> "up".equals(Resp.field(Resp.text(replica.port, "INFO", "replication"), "master_link_status")),
				() -> replica + " did not get in sync with " + primary);
		for (int i = 1; i <= 3; i++) {
			String name = "sentinel-" + i;
			add(this.sentinels, RedisNode.start(binary, this.dir, name, TestRedis::freePort,
					(port) -> List.of(sentinelConf(name, port, primary.port).toString(), "--sentinel")));
		}
		for (RedisNode sentinel : this.sentinels) {
			RedisNode.await(READY_TIMEOUT, () -> seesWholeGroup(sentinel),
					() -> sentinel + " does not see the primary with 1 replica and 2 other sentinels; it sees "
							+ masterState(sentinel.port));
		}
		logger.info("Started Redis Sentinel group '{}': primary 127.0.0.1:{}, replica 127.0.0.1:{}, sentinels {}",
				MASTER_NAME, primary.port, replica.port, sentinelNodes());
	}

	/** The name the sentinels monitor the primary under ({@code spring.data.redis.sentinel.master}). */
	public String masterName() {
		return MASTER_NAME;
	}

	/** The sentinels as {@code 127.0.0.1:port,...}, the form of {@code spring.data.redis.sentinel.nodes}. */
	public String sentinelNodes() {
		return this.sentinels.stream().map((s) -> "127.0.0.1:" + s.port).collect(Collectors.joining(","));
	}

	/** The sentinels in Redisson's form, e.g. {@code redis://127.0.0.1:53123}. */
	public List<String> sentinelAddresses() {
		return this.sentinels.stream().map((s) -> "redis://127.0.0.1:" + s.port).toList();
	}

	/** The port of the primary: the one started, or the one promoted as {@link #awaitFailover} last reported. */
	public int primaryPort() {
		return this.primaryPort;
	}

	/** SIGKILLs the primary: no shutdown, no last replication, as when its machine dies. */
	public void killPrimary() {
		for (RedisNode server : this.servers) {
			if (server.port == this.primaryPort) {
				server.kill();
				logger.info("Killed the primary {}", server);
				return;
			}
		}
		throw new IllegalStateException("No server of this group runs on the primary's port " + this.primaryPort);
	}

	/**
	 * Waits until a majority of the sentinels name a new primary and it answers as one.
	 * @return the port of the promoted primary
	 * @throws IllegalStateException when no failover completed within {@code timeout}
	 */
	public int awaitFailover(Duration timeout) {
		int old = this.primaryPort;
		int[] promoted = new int[1];
		RedisNode.await(timeout, () -> {
			promoted[0] = agreedPrimary(old);
			return promoted[0] > 0;
		}, () -> "The sentinels did not promote a new primary after 127.0.0.1:" + old + " (they report "
				+ reportedPrimaries() + "); see the sentinel logs in " + this.dir);
		this.primaryPort = promoted[0];
		logger.info("Sentinels promoted 127.0.0.1:{} after 127.0.0.1:{}", promoted[0], old);
		return promoted[0];
	}

	/** Kills every process and deletes the working directory (logs and configuration). */
	@Override
	public void close() {
		RedisNode.killAllAndDelete(this.all, this.dir);
	}

	/** The primary a majority of sentinels report, if it is not {@code old} and says it is a master; else -1. */
	private int agreedPrimary(int old) {
		Map<Integer, Long> votes = reportedPrimaries().stream()
			.filter((port) -> port != old)
			.collect(Collectors.groupingBy((port) -> port, Collectors.counting()));
		for (Map.Entry<Integer, Long> vote : votes.entrySet()) {
			if (vote.getValue() >= 2 && "master".equals(
					Resp.field(Resp.text(vote.getKey(), "INFO", "replication"), "role"))) {
				return vote.getKey();
			}
		}
		return -1;
	}

	private List<Integer> reportedPrimaries() {
		List<Integer> ports = new ArrayList<>();
		for (RedisNode sentinel : this.sentinels) {
			try {
				Object reply = Resp.call(sentinel.port, Duration.ofSeconds(1), "SENTINEL", "get-master-addr-by-name",
						MASTER_NAME);
				if (reply instanceof List<?> address && address.size() == 2) {
					ports.add(Integer.parseInt(address.get(1).toString()));
				}
			}
			catch (IllegalStateException ex) {
				// A sentinel that does not answer has no vote.
			}
		}
		return ports;
	}

	private boolean seesWholeGroup(RedisNode sentinel) {
		Map<String, String> state = masterState(sentinel.port);
		return "2".equals(state.get("num-other-sentinels")) && "1".equals(state.get("num-slaves"))
				&& "master".equals(state.get("flags"));
	}

	/** {@code SENTINEL MASTER} as a map, empty when the sentinel does not answer. */
	private static Map<String, String> masterState(int sentinelPort) {
		Map<String, String> state = new LinkedHashMap<>();
		try {
			if (Resp.call(sentinelPort, Duration.ofSeconds(1), "SENTINEL", "MASTER", MASTER_NAME) instanceof List<?> pairs) {
				for (int i = 0; i + 1 < pairs.size(); i += 2) {
					state.put(String.valueOf(pairs.get(i)), String.valueOf(pairs.get(i + 1)));
				}
			}
		}
		catch (IllegalStateException ex) {
			// Not up yet, or not monitoring yet: an empty state says so.
		}
		return state;
	}

	private static List<String> serverArguments(int port) {
		// No persistence: a failover test must not be helped by a restart from disk. Diskless sync without delay
		// brings the replica in sync at once instead of after Redis's default 5 s.
		return List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
				"--daemonize", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0");
	}

	private static List<String> with(List<String> arguments, String... more) {
		List<String> all = new ArrayList<>(arguments);
		all.addAll(List.of(more));
		return all;
	}

	/** Sentinels rewrite their configuration file, so each gets its own, written for its port. */
	private Path sentinelConf(String name, int port, int primaryPort) {
		Path conf = this.dir.resolve(name + ".conf");
		String text = String.join("\n", "port " + port, "bind 127.0.0.1", "daemonize no", "dir " + this.dir,
				"sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primaryPort + " 2",
				"sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
				"sentinel failover-timeout " + MASTER_NAME + " 3000",
				"sentinel parallel-syncs " + MASTER_NAME + " 1", "");
		try {
			Files.writeString(conf, text);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot write " + conf, ex);
		}
		return conf;
	}

	private RedisNode add(List<RedisNode> role, RedisNode node) {
		this.all.add(node);
		role.add(node);
		return node;
	}

}
