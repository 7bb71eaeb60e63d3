package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RFencedLock;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fencing tokens do not go backwards when Redis loses its data (issue 15): an order whose stored fence came from
 * before a {@code FLUSHALL} or a restart without persistence stays writable with the next token. The token key
 * expires, and tokens of Redisson's own fenced lock stay below the new ones. A Redis of this class's own (it is
 * flushed and restarted), two clients on it standing for two instances.
 */
@Timeout(120)
class FencingTokenDurabilityTests {

	private static TestRedis redis;

	private static RedissonClient a;

	private static RedissonClient b;

	private String prefix;

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	private JdbcTemplate jdbc;

	@BeforeAll
	static void start() {
		redis = TestRedis.start();
		a = TestClients.newClient(redis);
		b = TestClients.newClient(redis);
	}

	@AfterAll
	static void stop() {
		a.shutdown();
		b.shutdown();
		redis.close();
	}

	@BeforeEach
	void createTemplatesAndTable() {
		this.prefix = TestClients.uniquePrefix();
		this.templateA = new OrderLockTemplate(a, this.prefix, Duration.ofSeconds(10));
		this.templateB = new OrderLockTemplate(b, this.prefix, Duration.ofSeconds(10));
		this.jdbc = new JdbcTemplate(new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2)
			.generateUniqueName(true)
			.build());
		this.jdbc.execute("create table orders (id bigint primary key, fence bigint default 0 not null)");
		this.jdbc.update("insert into orders (id) values (42)");
	}

	@Test
	void fencedWriteLandsAfterFlushAllEmptiedRedis() {
		long last = fiveFencedWrites();
		a.getKeys().flushall();
		assertThat(a.getKeys().count()).as("Redis is empty").isZero();

		long next = this.templateA.executeFenced("42", (token) -> token);
		assertThat(next).isGreaterThan(last);
		assertThat(fencedWrite(next)).as("the write after the flush").isEqualTo(1);
	}

	@Test
	void fencedWriteLandsAfterRedisRestartedWithoutPersistence() {
		long last = fiveFencedWrites();
		a.getBucket(this.prefix + ":marker").set("before");
		redis.stop();
		redis.restart();

		long next = onceRedisAnswers(() -> this.templateB.executeFenced("42", (token) -> token));
		assertThat(a.getBucket(this.prefix + ":marker").isExists()).as("Redis came back empty").isFalse();
		assertThat(next).isGreaterThan(last);
		assertThat(fencedWrite(next)).as("the write after the restart").isEqualTo(1);
	}

	@Test
	void tokenKeyExpiresAndNoCallLeavesAKeyWithoutExpiry() throws Exception {
		this.templateA.executeFenced("42", (token) -> token);
		long ttl = a.getKeys().remainTimeToLive(tokenKey("42"));
		assertThat(ttl).as("the token key's TTL").isPositive()
			.isLessThanOrEqualTo(ClockFencedLock.TOKEN_TTL.toMillis());
		assertNoKeyWithoutExpiry();

		try (HeldLock held = HeldLock.hold((body) -> this.templateA.executeFenced("43", (token) -> {
			body.run();
			return null;
		}))) {
			assertThatThrownBy(() -> this.templateB.execute(LockRequest.of("43").waitTime(Duration.ofMillis(300))
				.fenced(true).name("waiter"), (lock) -> "ran")).isInstanceOf(OrderLockTimeoutException.class);
			assertNoKeyWithoutExpiry();
		}
		new OrderLockInspector(b, this.prefix, 1024).inspect("44");
		assertThat(a.getKeys().countExists(tokenKey("44"))).as("an order only asked about has no token key").isZero();
		assertNoKeyWithoutExpiry();
	}

	@Test
	void tokensStrictlyGrowWhileTwoInstancesContendForOneOrder() throws Exception {
		int rounds = 150;
		List<Long> tokens = Collections.synchronizedList(new ArrayList<>());
		List<Integer> rows = Collections.synchronizedList(new ArrayList<>());
		CompletableFuture<?> onA = CompletableFuture.runAsync(() -> contend(this.templateA, rounds, tokens, rows));
		CompletableFuture<?> onB = CompletableFuture.runAsync(() -> contend(this.templateB, rounds, tokens, rows));
		CompletableFuture.allOf(onA, onB).get(90, TimeUnit.SECONDS);

		assertThat(tokens).hasSize(2 * rounds);
		for (int i = 1; i < tokens.size(); i++) {
			assertThat(tokens.get(i)).as("token %d of %d, in the order they were granted", i, tokens.size())
				.isGreaterThan(tokens.get(i - 1));
		}
		assertThat(rows).as("every fenced write landed").hasSize(2 * rounds).containsOnly(1);
	}

	@Test
	void tokensOfRedissonsOwnFencedLockStayBelowTheNewOnes() {
		RFencedLock old = a.getFencedLock(this.prefix + ":42");
		long oldToken = 0;
		for (int i = 0; i < 3; i++) {
			oldToken = old.lockAndGetToken();
			assertThat(fencedWrite(oldToken)).isEqualTo(1);
			old.unlock();
		}
		assertThat(oldToken).as("Redisson's counter").isEqualTo(3);

		long next = this.templateB.executeFenced("42", (token) -> token);
		assertThat(next).isGreaterThan(oldToken);
		assertThat(fencedWrite(next)).as("the first write with a new token").isEqualTo(1);
	}

	@Test
	void keptTokenAheadOfTheClockStillGrows() {
		// As after the Redis clock stepped back: the last token handed out is ahead of the clock, and still counts.
		long ahead = (System.currentTimeMillis() + Duration.ofHours(1).toMillis()) * 1000;
		a.getBucket(tokenKey("42"), StringCodec.INSTANCE).set(String.valueOf(ahead));

		long first = this.templateA.executeFenced("42", (token) -> token);
		long second = this.templateB.executeFenced("42", (token) -> token);
		assertThat(first).isEqualTo(ahead + 1);
		assertThat(second).isEqualTo(ahead + 2);
	}

	/** Five fenced calls alternating between the instances, each writing its fence; the last token. */
	private long fiveFencedWrites() {
		long last = 0;
		for (int i = 0; i < 5; i++) {
			OrderLockTemplate template = (i % 2 == 0) ? this.templateA : this.templateB;
			long token = template.executeFenced("42", (t) -> t);
			assertThat(token).as("token %d", i).isGreaterThan(last);
			assertThat(fencedWrite(token)).as("write %d", i).isEqualTo(1);
			last = token;
		}
		return last;
	}

	private void contend(OrderLockTemplate template, int rounds, List<Long> tokens, List<Integer> rows) {
		for (int i = 0; i < rounds; i++) {
			template.executeFenced("42", (token) -> {
				// Under the lock: the lists record the grants in their order.
				tokens.add(token);
				rows.add(fencedWrite(token));
				return null;
			});
		}
	}

	private int fencedWrite(long token) {
		return this.jdbc.update("update orders set fence = ? where id = 42 and fence < ?", token, token);
	}

	private String tokenKey(String key) {
		return "redisson_lock_token:{" + this.prefix + ":" + key + "}";
	}

	private void assertNoKeyWithoutExpiry() {
		for (String key : a.getKeys().getKeysByPattern("*" + this.prefix + "*")) {
			assertThat(a.getKeys().remainTimeToLive(key)).as("TTL of " + key).isNotEqualTo(-1);
		}
	}

	/** The call, tried again while Redis is not back yet (the clients reconnect on their own). */
	private static <T> T onceRedisAnswers(Supplier<T> call) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (true) {
			try {
				return call.get();
			}
			catch (OrderLockUnavailableException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				OrderLockTemplateTests.sleep(Duration.ofMillis(200));
			}
		}
	}

}
