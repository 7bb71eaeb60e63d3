package dev.orderlock;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lock is held until the method's own transaction has committed: an instance waiting for the lock always
 * reads the committed row, even when the commit is slow. The control shows that the harness sees a stale read when
 * the lock is released before the commit.
 */
@Timeout(120)
class TransactionBoundaryTests {

	private static final Duration SLOW_COMMIT = Duration.ofMillis(400);

	/** Counted down when a writing transaction starts to commit (shared by both instances: same JVM). */
	static volatile CountDownLatch commitStarted = new CountDownLatch(1);

	@Test
	void waiterOnAnotherInstanceSeesTheCommittedRowEvenWithASlowCommit() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			OrderRows second = instances.second.getBean(OrderRows.class);
			first.createTable();
			for (long orderId = 1; orderId <= 5; orderId++) {
				first.insertPending(orderId);
				commitStarted = new CountDownLatch(1);
				long id = orderId;
				CompletableFuture<Void> paying = CompletableFuture.runAsync(() -> first.markPaid(id));
				assertThat(commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(second.readStatus(orderId)).as("status read under the lock after pay").isEqualTo("PAID");
				paying.get(10, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void controlLockReleasedBeforeTheCommitLetsTheWaiterReadTheOldRow() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			OrderRows second = instances.second.getBean(OrderRows.class);
			OrderLockTemplate template = instances.first.getBean(OrderLockTemplate.class);
			TransactionTemplate transaction = new TransactionTemplate(
					instances.first.getBean(DataSourceTransactionManager.class));
			first.createTable();
			first.insertPending(1L);
			commitStarted = new CountDownLatch(1);
			// The wrong way round: the transaction outside, the lock inside.
			CompletableFuture<Void> paying = CompletableFuture.runAsync(() -> transaction
				.executeWithoutResult((status) -> template.run("1", () -> first.updatePaid(1L))));
			assertThat(commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(second.readStatus(1L)).isEqualTo("PENDING_PAYMENT");
			paying.get(10, TimeUnit.SECONDS);
		}
	}

	private static TwoInstances start() {
		String database = "jdbc:h2:mem:tx-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
		return TwoInstances.start(TransactionalApplication.class, "spring.datasource.url=" + database,
				"order-lock.key-prefix=" + TestClients.uniquePrefix(), "order-lock.wait-time=30s");
	}

	static class OrderRows {

		private final JdbcTemplate jdbc;

		OrderRows(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		public void createTable() {
			this.jdbc.execute("create table if not exists orders (id bigint primary key, status varchar(32))");
		}

		public void insertPending(long orderId) {
			this.jdbc.update("insert into orders (id, status) values (?, 'PENDING_PAYMENT')", orderId);
		}

		@OrderLock(key = "#orderId")
		@Transactional
		public void markPaid(long orderId) {
			updatePaid(orderId);
		}

		public void updatePaid(long orderId) {
			this.jdbc.update("update orders set status = 'PAID' where id = ?", orderId);
		}

		@OrderLock(key = "#orderId")
		@Transactional(readOnly = true)
		public String readStatus(long orderId) {
			return this.jdbc.queryForObject("select status from orders where id = ?", String.class, orderId);
		}

	}

	/** Commits writing transactions slowly, so a lock released before the commit would be caught. */
	static class SlowCommitTransactionManager extends DataSourceTransactionManager {

		SlowCommitTransactionManager(DataSource dataSource) {
			super(dataSource);
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
			if (!status.isReadOnly()) {
				commitStarted.countDown();
				OrderLockTemplateTests.sleep(SLOW_COMMIT);
			}
			super.doCommit(status);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TransactionalApplication {

		@Bean
		SlowCommitTransactionManager transactionManager(DataSource dataSource) {
			return new SlowCommitTransactionManager(dataSource);
		}

		@Bean
		OrderRows orderRows(JdbcTemplate jdbc) {
			return new OrderRows(jdbc);
		}

	}

}
